package io.noetl.lifecycle.api;

/**
 * What a pass may change, read once from a spec: {@code suspend} (observe and report) wins over {@code dryRun}
 * (plan and publish the plan); otherwise the pass applies. The reconcilers, the HTTP endpoints and the command line
 * all read it here.
 */
public enum Mode {
    APPLY, DRY_RUN, SUSPEND;

    public static Mode of(LifecycleSpec spec) {
        return spec.isSuspend() ? SUSPEND : spec.isDryRun() ? DRY_RUN : APPLY;
    }

    /** Whether the pass may write to the database. */
    public boolean writes() {
        return this == APPLY;
    }

    /** The {@code Ready=True} reason of a pass that only observed (APPLY has none: its reason is the kind's own). */
    public Reason observingReason() {
        return switch (this) {
            case SUSPEND -> Reason.SUSPENDED;
            case DRY_RUN -> Reason.DRY_RUN;
            case APPLY -> throw new IllegalStateException("APPLY observes nothing only");
        };
    }

    /** The spec field that sets it ({@code suspend}, {@code dryRun}); APPLY has none. */
    public String field() {
        return switch (this) {
            case SUSPEND -> "suspend";
            case DRY_RUN -> "dryRun";
            case APPLY -> throw new IllegalStateException("APPLY is set by no field");
        };
    }
}
