package io.noetl.lifecycle.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.noetl.lifecycle.api.ExportStatus;
import io.noetl.lifecycle.api.MetricRetentionPolicyStatus;
import io.noetl.lifecycle.api.RetentionRef;
import io.noetl.lifecycle.report.StatusDiff;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the merge patch ahead of a status apply deletes: only what the stored status holds and the new one leaves out. */
class StatusPatchRemovalsTest {
    private static MetricRetentionPolicyStatus status(String lastError, String shortenedTo, boolean export) {
        MetricRetentionPolicyStatus s = new MetricRetentionPolicyStatus();
        s.setPartitionCount(3);
        s.setGaps(List.of());
        s.setRetention(new RetentionRef("2d", shortenedTo, shortenedTo == null ? null : "t", null));
        if (export) {
            ExportStatus e = new ExportStatus();
            e.setTarget("http://vm/api/v1/write");
            e.setLastError(lastError);
            s.setExport(e);
        }
        return s;
    }

    @Test
    void fieldsLeftOutAreDeletedAtTheirDepthAndNothingElse() {
        String before = StatusDiff.fingerprint(status("down", "1d", true));
        assertEquals(Optional.of("{\"status\":{\"retention\":{\"shortenedTo\":null,\"seenAt\":null},\"export\":"
                + "{\"lastError\":null}}}"), StatusPatch.removals(before, status(null, null, true)));
        assertEquals(Optional.of("{\"status\":{\"export\":null}}"), StatusPatch.removals(before,
                status("down", "1d", false)));
        assertEquals(Optional.empty(), StatusPatch.removals(before, status("other", "1d", true)));
        assertEquals(Optional.empty(), StatusPatch.removals(StatusDiff.fingerprint(status(null, null, false)),
                status("down", "1d", true)), "what is added is the apply's");
    }

    @Test
    void theMergePatchAheadOfTheApplyWritesTheWholeNewStatusSoNoReaderSeesHalfOfIt() throws Exception {
        MetricRetentionPolicyStatus before = status("down", "1d", true);
        before.setPendingRetirementCount(29);
        MetricRetentionPolicyStatus after = status(null, null, true);
        after.setPendingRetirementCount(0);
        String patch = StatusPatch.wholeWithRemovals(StatusDiff.fingerprint(before), after).orElseThrow();

        // RFC 7386 applied to the stored status gives exactly the new one
        JsonNode stored = JSON.valueToTree(before);
        JsonNode merged = merge(stored, JSON.readTree(patch).get("status"));
        assertEquals(JSON.valueToTree(after), merged);
        assertEquals(Optional.empty(), StatusPatch.wholeWithRemovals(StatusDiff.fingerprint(before), before),
                "nothing left out: the apply alone writes it");
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode merge(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch;
        }
        ObjectNode out = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : JSON.createObjectNode();
        patch.fields().forEachRemaining(f -> {
            if (f.getValue().isNull()) {
                out.remove(f.getKey());
            } else {
                out.set(f.getKey(), merge(out.get(f.getKey()), f.getValue()));
            }
        });
        return out;
    }
}
