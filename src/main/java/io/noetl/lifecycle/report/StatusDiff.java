package io.noetl.lifecycle.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** Tells whether a reconcile changed the status, so unchanged status is never written (no reconcile storms). */
public final class StatusDiff {
    private static final ObjectMapper JSON = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS,
            true);

    private StatusDiff() {
    }

    public static String fingerprint(Object status) {
        try {
            return JSON.writeValueAsString(status);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("status does not serialize", e);
        }
    }

    public static boolean changed(String before, Object status) {
        return !before.equals(fingerprint(status));
    }
}
