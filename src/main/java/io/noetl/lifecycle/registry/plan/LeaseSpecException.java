package io.noetl.lifecycle.registry.plan;

import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.plan.InvalidSpecException;

/**
 * A spec that would make its row look like one of NoETL's server leases ({@code runtime.type: server_control});
 * reported as {@code LeaseRow}, like a declaration whose key names an existing lease row.
 */
public class LeaseSpecException extends InvalidSpecException {
    public LeaseSpecException(String field, String problem) {
        super(field, problem);
    }

    /** Always {@link Reason#LEASE_ROW}. */
    @Override
    public Reason reason() {
        return Reason.LEASE_ROW;
    }
}
