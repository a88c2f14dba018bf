package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Optional;

/**
 * Every reason the operator shows: in the {@code Ready} and {@code Degraded} conditions, in the Warning Events
 * of a failure, in the answers of the HTTP endpoints and of the command line. Each has its {@link #code()}, the
 * CamelCase word users see and match in alerts (never change one without saying so in docs/operations.md), its
 * {@link #effect()} and whether running the pass again can get past it ({@link #retryHelps()}).
 *
 * <p>docs/operations.md ("Condition reasons" and "Maintenance on demand") lists the same reasons, in the table
 * of their effect; {@code ReasonDocumentationTest} holds the two together.
 */
public enum Reason {
    // Ready=True
    MAINTAINED("Maintained", Effect.READY, false),
    REGISTERED("Registered", Effect.READY, false),
    SUSPENDED("Suspended", Effect.READY, false),
    DRY_RUN("DryRun", Effect.READY, false),

    // Ready=False (and Degraded=True): the pass could not run or stopped
    INVALID_SPEC("InvalidSpec", Effect.NOT_READY, false),
    NO_DATABASE("NoDatabase", Effect.NOT_READY, false),
    SECRET_NOT_FOUND("SecretNotFound", Effect.NOT_READY, false),
    SECRET_INVALID("SecretInvalid", Effect.NOT_READY, false),
    DATABASE_UNREACHABLE("DatabaseUnreachable", Effect.NOT_READY, true),
    TABLE_MISSING("TableMissing", Effect.NOT_READY, false),
    CONFLICTING_COMPONENT("ConflictingComponent", Effect.NOT_READY, false),
    /**
     * The declared key names a row NoETL's servers use as a lease ({@code runtime->>'type'} is
     * {@code server_control}), or the spec's {@code runtime.type} is {@code server_control}: the operator writes
     * nothing, then or on deletion.
     */
    LEASE_ROW("LeaseRow", Effect.NOT_READY, false),
    REGISTRY_INCOMPATIBLE("RegistryIncompatible", Effect.NOT_READY, false),
    NOT_PARTITIONED("NotPartitioned", Effect.NOT_READY, false),
    PARTITION_KEY_MISMATCH("PartitionKeyMismatch", Effect.NOT_READY, false),
    LOCK_TIMEOUT("LockTimeout", Effect.NOT_READY, true),
    /**
     * The pass waited {@code lifecycle.pool.max-wait} for the connection budget of its server and gave up; it is
     * tried again. The budget ({@code lifecycle.pool.connections-per-server}) is too small for the passes it serves.
     */
    CONNECTION_BUDGET_EXHAUSTED("ConnectionBudgetExhausted", Effect.NOT_READY, true),
    STATEMENT_TIMEOUT("StatementTimeout", Effect.NOT_READY, false),
    PERMISSION_DENIED("PermissionDenied", Effect.NOT_READY, false),
    PARTITION_CHANGED("PartitionChanged", Effect.NOT_READY, true),
    ROW_COUNT_MISMATCH("RowCountMismatch", Effect.NOT_READY, false),
    DATABASE_ERROR("DatabaseError", Effect.NOT_READY, false),
    /** A failure the operator did not foresee, left on the resource by updateErrorStatus; the framework retries. */
    UNEXPECTED_ERROR("UnexpectedError", Effect.NOT_READY, true),

    // Ready=False where it stops the pass, Degraded only where it does not
    /**
     * Another resource of the same kind keeps the same table in the same database: Ready=False on all but the
     * oldest, Degraded on all.
     */
    CONFLICTING_POLICY("ConflictingPolicy", Effect.NOT_READY_OR_DEGRADED, false),
    /**
     * The default partition holds rows in the range of a partition the operator would create. Found by the
     * planner when {@code moveDefaultRows} is false (the window is skipped: Degraded only), or by PostgreSQL
     * when the rows arrived after the plan counted them and ATTACH refused the partition (SQLSTATE 23514: the
     * pass stops, Ready=False). One concept and one code, so alerts written for it keep working: the next pass
     * counts the rows and moves them, or skips the window and reports it as Degraded.
     */
    DEFAULT_PARTITION_CONFLICT("DefaultPartitionConflict", Effect.NOT_READY_OR_DEGRADED, true),

    // Degraded=True while Ready may still be True: the planner's findings and the registry's
    NAME_COLLISION("NameCollision", Effect.DEGRADED, false),
    PARTITION_OVERLAP("PartitionOverlap", Effect.DEGRADED, false),
    DEFAULT_PARTITION_NAME("DefaultPartitionName", Effect.DEGRADED, false),
    HEARTBEAT_STALE("HeartbeatStale", Effect.DEGRADED, false),
    /**
     * The component registered itself with other values than the RuntimeComponent declares ({@code status.drift});
     * with {@code precedence: Component} (the default) its own stand.
     */
    DECLARATION_DIFFERS("DeclarationDiffers", Effect.DEGRADED, false),
    ROWS_IN_DEFAULT_PARTITION("RowsInDefaultPartition", Effect.DEGRADED, false),
    PLAN_TRUNCATED("PlanTruncated", Effect.DEGRADED, false),
    /** The operator's clock and the database server's differ by more than lifecycle.clock.max-skew. */
    CLOCK_SKEW("ClockSkew", Effect.DEGRADED, false),
    /** A retirement's data proof found a key at or after the retention cutoff: the partition was kept. */
    PARTITION_HOLDS_RECENT_ROWS("PartitionHoldsRecentRows", Effect.DEGRADED, false),
    /**
     * Partitions past retention are kept for now: over {@code spec.maxRetirementsPerPass} (they go in later passes,
     * oldest first), or expiring only under a shortened {@code spec.retention} that waits
     * {@code spec.retentionChangeGrace} (they go when it takes effect, unless the change is reverted). Degraded, not
     * Ready=False: the pass works, and a person should know that a large retirement is under way or about to start,
     * while it can still be stopped. It clears by itself once nothing waits.
     */
    RETIREMENTS_DEFERRED("RetirementsDeferred", Effect.DEGRADED, false),

    /**
     * A raw partition past retention is kept because the ledger does not show it rolled into every tier yet (it is
     * not closed long enough, or its rollup is still to run); it goes in the pass after its rollup succeeds.
     */
    ROLLUP_PENDING("RollupPending", Effect.DEGRADED, false),
    /**
     * A rollup failed, or a tier cannot be rolled into (its table is missing while the ledger records partitions
     * rolled into it, or the raw table lacks a column): the partitions concerned are kept, and every raw retirement
     * waits while a tier is lost.
     */
    ROLLUP_FAILED("RollupFailed", Effect.DEGRADED, false),
    /**
     * A rollup left out rows it cannot fingerprint (their labels nest deeper than 32 levels) and rolled up the rest
     * of the partition, which is then retired as usual; the message names the partition, the count and one row's
     * {@code metric_id}. Shown after the pass that rolled the partition up; the ledger keeps the count.
     */
    ROLLUP_REFUSED_ROWS("RollupRefusedRows", Effect.DEGRADED, false),
    /**
     * A raw partition past retention is kept because the export ledger does not show it sent to the receiver of
     * {@code spec.export} and confirmed; it goes in the pass after its export is confirmed.
     */
    EXPORT_PENDING("ExportPending", Effect.DEGRADED, false),
    /**
     * An export stopped: the receiver could not be reached or kept failing (5xx, 429) after the retries, or refused a
     * batch (another 4xx, with its message), or its credentials could not be read. Nothing is retired that is not
     * confirmed; the export resumes from its last acknowledged batch in the next pass.
     */
    EXPORT_FAILED("ExportFailed", Effect.DEGRADED, false),
    /**
     * A partition was sent, but the receiver's count of its samples falls short of what was sent (or the receiver
     * could not be asked): it is kept, and counted again in the next pass.
     */
    EXPORT_UNVERIFIED("ExportUnverified", Effect.DEGRADED, false),
    /**
     * The export would send the credentials of {@code spec.export.secretRef} over plain {@code http://} and the spec
     * does not allow it ({@code allowPlainHttpCredentials}): nothing is sent, the Secret is not even read, and no
     * partition waiting for its export is retired. Degraded, not Ready=False: partitions are still created.
     */
    INSECURE_TRANSPORT("InsecureTransport", Effect.DEGRADED, false),
    /**
     * A partition past retention is kept because its export refused rows it could not send (a {@code NaN} value, two
     * rows of one series in one millisecond, labels the mapping cannot express) and {@code spec.export.refusedRows}
     * is {@code Hold}: those rows are at no receiver. It goes under {@code refusedRows: Accept}, or once the rows are
     * corrected and its export forgotten.
     */
    EXPORT_REFUSED_ROWS("ExportRefusedRows", Effect.DEGRADED, false),
    /**
     * A partition past retention is kept because some of its rows have NoETL's per-row expiry ({@code expires_at})
     * ahead of the database's clock ({@code spec.rowExpiry: Honor}); it goes once the last of them expires.
     */
    ROWS_NOT_EXPIRED("RowsNotExpired", Effect.DEGRADED, false),

    // Degraded=False
    AS_EXPECTED("AsExpected", Effect.HEALTHY, false),

    // Waiting=True, only while a pass waits: it is gone when the pass has run
    /** The pass waits its turn for a connection of its server's budget ({@code lifecycle.pool.connections-per-server}). */
    CONNECTION_BUDGET("ConnectionBudget", Effect.WAITING, false),

    // only in the command line's findings (plan, apply, check), never in a condition: the status lists the same as
    // status.gaps and status.unmanaged
    PARTITION_GAPS("PartitionGaps", Effect.FINDING_ONLY, false),
    UNMANAGED_PARTITIONS("UnmanagedPartitions", Effect.FINDING_ONLY, false),
    // only in answers of the HTTP endpoints, never in a condition
    TOO_MANY_PARTITIONS("TooManyPartitions", Effect.ANSWER_ONLY, false),
    MISSING_TOKEN("MissingToken", Effect.ANSWER_ONLY, false),
    INVALID_TOKEN("InvalidToken", Effect.ANSWER_ONLY, false),
    TOKEN_UNAVAILABLE("TokenUnavailable", Effect.ANSWER_ONLY, false),
    INVALID_PARAMETER("InvalidParameter", Effect.ANSWER_ONLY, false),
    NOT_LEADER("NotLeader", Effect.ANSWER_ONLY, false);

    /** Which condition a reason may be the reason of. */
    public enum Effect {
        /** {@code Ready=True}: the pass ran, or observed as the spec asks. */
        READY,
        /** {@code Ready=False}, and {@code Degraded=True} with the same reason: the pass could not run or stopped. */
        NOT_READY,
        /** {@code Ready=False} where it stops the pass; {@code Degraded=True} only (Ready stays True) where not. */
        NOT_READY_OR_DEGRADED,
        /** {@code Degraded=True} only: the pass succeeded and someone should know something. */
        DEGRADED,
        /** {@code Degraded=False}: nothing needs attention. */
        HEALTHY,
        /** {@code Waiting=True}, while a pass waits for something it shares with others; removed once it has run. */
        WAITING,
        /** Never a condition: the reason of an answer of the HTTP endpoints. */
        ANSWER_ONLY,
        /** Never a condition: a finding the command line reports of what the status lists without a condition. */
        FINDING_ONLY;

        public boolean readyTrue() {
            return this == READY;
        }

        public boolean readyFalse() {
            return this == NOT_READY || this == NOT_READY_OR_DEGRADED;
        }

        /** Whether it may be the reason of {@code Degraded=True} (every Ready=False reason is). */
        public boolean degraded() {
            return readyFalse() || this == DEGRADED;
        }

        /** Whether it may be a finding's reason: what may make {@code Degraded=True}, and the command line's own. */
        public boolean finding() {
            return degraded() || this == FINDING_ONLY;
        }
    }

    private final String code;
    private final Effect effect;
    private final boolean retryHelps;

    Reason(String code, Effect effect, boolean retryHelps) {
        this.code = code;
        this.effect = effect;
        this.retryHelps = retryHelps;
    }

    /** The word users see in {@code status.conditions[].reason}, in Events and in answers. */
    @JsonValue
    public String code() {
        return code;
    }

    public Effect effect() {
        return effect;
    }

    /**
     * For a reason that stops a pass: whether running the pass again, with nothing changed by anyone, can get
     * past it (a lock held for a while, a network outage, a race with writers); for the others a person must
     * act first. Documentation only: the operator retries failed passes after
     * {@code lifecycle.maintenance.retry-after-failure} whatever the reason (an invalid spec waits for the next
     * spec change instead), as before this type. False for reasons that stop nothing.
     */
    public boolean retryHelps() {
        return retryHelps;
    }

    /** The reason whose code this is. */
    public static Optional<Reason> ofCode(String code) {
        return Arrays.stream(values()).filter(r -> r.code.equals(code)).findFirst();
    }

    /** The code, so that a reason written into a message reads as users see it. */
    @Override
    public String toString() {
        return code;
    }
}
