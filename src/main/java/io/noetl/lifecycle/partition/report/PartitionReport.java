package io.noetl.lifecycle.partition.report;

import io.noetl.lifecycle.api.MaintenanceRecord;
import io.noetl.lifecycle.api.PartitionRef;
import io.noetl.lifecycle.api.PartitionedTableStatus;
import io.noetl.lifecycle.api.PlannedActionRef;
import io.noetl.lifecycle.api.RangeRef;
import io.noetl.lifecycle.partition.plan.Coverage;
import io.noetl.lifecycle.partition.plan.KeyRange;
import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.ObservedPartition;
import io.noetl.lifecycle.partition.plan.Plan;
import io.noetl.lifecycle.partition.plan.PlannedAction.DetachPartition;
import io.noetl.lifecycle.partition.plan.PlannedAction.DropPartition;
import io.noetl.lifecycle.partition.plan.PlannedAction;
import io.noetl.lifecycle.partition.plan.TableSnapshot;
import io.noetl.lifecycle.partition.postgres.PartitionExecutor;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.LongFunction;

/** Writes what a snapshot, a plan and a pass show into the shared partition status. Every list is capped. */
public final class PartitionReport {
    private static final int NAME_CAP = 16;

    private PartitionReport() {
    }

    /**
     * @param unmanagedReason why a partition is not managed, empty when it is
     * @param timeOf for id keys, the time an id stands for (RFC 3339); null for time keys
     * @return the snapshot's coverage as of {@code nowKey}, as the status shows it
     */
    public static Coverage observed(PartitionedTableStatus status, TableSnapshot snapshot, long nowKey,
            Function<ObservedPartition, Optional<String>> unmanagedReason, LongFunction<String> timeOf) {
        KeyType type = snapshot.keyType();
        Coverage coverage = Coverage.of(snapshot.partitions(), nowKey);
        status.setPartitionCount(snapshot.partitionCount());
        status.setTotalBytes(snapshot.totalBytes());
        status.setTotalSize(Sizes.human(snapshot.totalBytes()));
        status.setOldest(coverage.oldest().map(p -> ref(p, type, null)).orElse(null));
        status.setNewest(coverage.newest().map(p -> ref(p, type, null)).orElse(null));
        // an id alone says nothing to a reader: the time it stands for goes next to it
        status.setCoveredUntil(coverage.coveredUntil().map(k -> type.describe(k, timeOf)).orElse(null));
        status.setGaps(coverage.gaps().stream().limit(PartitionedTableStatus.LIST_CAP)
                .map(g -> new RangeRef(type.describe(g.from()), type.describe(g.to()))).toList());
        status.setGapCount(coverage.gaps().size());
        status.setDefaultPartitionRows(snapshot.defaultRows());
        List<PartitionRef> unmanaged = new ArrayList<>();
        int count = 0;
        for (ObservedPartition p : snapshot.partitions()) {
            Optional<String> reason = unmanagedReason.apply(p);
            if (reason.isPresent()) {
                count++;
                if (unmanaged.size() < PartitionedTableStatus.LIST_CAP) {
                    PartitionRef ref = ref(p, type, reason.get());
                    if (p.range().from() != null) {
                        ref.setFromTime(timeOf.apply(p.range().from()));
                    }
                    if (p.range().to() != null) {
                        ref.setToTime(timeOf.apply(p.range().to()));
                    }
                    unmanaged.add(ref);
                }
            }
        }
        status.setUnmanaged(unmanaged);
        status.setUnmanagedCount(count);
        return coverage;
    }

    /** Publishes the plan (for dry-run and suspend), or clears it. */
    public static void planned(PartitionedTableStatus status, Plan plan, KeyType type) {
        status.setPlannedActions(plan == null ? List.of() : plan.actions().stream()
                .limit(PartitionedTableStatus.LIST_CAP)
                .map(a -> new PlannedActionRef(a.kind(), a.partition(), bound(a.range().from(), type, "MINVALUE"),
                        bound(a.range().to(), type, "MAXVALUE"), a.reason()))
                .toList());
        status.setPlannedActionCount(plan == null ? 0 : plan.actions().size());
    }

    public static MaintenanceRecord record(Instant started, Instant finished, PartitionExecutor.Result result) {
        MaintenanceRecord r = new MaintenanceRecord();
        r.setStartedAt(started.truncatedTo(ChronoUnit.SECONDS).toString());
        r.setFinishedAt(finished.truncatedTo(ChronoUnit.SECONDS).toString());
        List<PlannedAction> applied = result == null ? List.of() : result.applied();
        r.setCreated(names(applied.stream().filter(a -> !a.retires()).toList(), PlannedAction.class));
        r.setDropped(names(applied, DropPartition.class));
        r.setDetached(names(applied, DetachPartition.class));
        r.setSucceeded(applied.size());
        r.setRowsMoved(result == null || result.rowsMoved() == 0 ? null : result.rowsMoved());
        if (result != null) {
            result.failure().ifPresent(f -> r.setError(f.actionPrefix() + f.cause().reason().code() + ": "
                    + f.cause().message()));
        }
        return r;
    }

    private static List<String> names(List<PlannedAction> applied, Class<? extends PlannedAction> kind) {
        return capped(applied.stream().filter(kind::isInstance).map(PlannedAction::partition).toList());
    }

    /** At most 16 names for a maintenance record, the last saying how many more there were. */
    public static List<String> capped(List<String> all) {
        if (all.size() <= NAME_CAP) {
            return all;
        }
        List<String> capped = new ArrayList<>(all.subList(0, NAME_CAP - 1));
        capped.add("... and " + (all.size() - NAME_CAP + 1) + " more");
        return capped;
    }

    private static PartitionRef ref(ObservedPartition p, KeyType type, String reason) {
        KeyRange r = p.range();
        return new PartitionRef(p.name(), bound(r.from(), type, "MINVALUE"), bound(r.to(), type, "MAXVALUE"), reason);
    }

    private static String bound(Long key, KeyType type, String unbounded) {
        return key == null ? unbounded : type.describe(key);
    }
}
