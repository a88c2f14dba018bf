package io.noetl.lifecycle.registry;

import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.Mode;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.plan.SnowflakeId;
import io.noetl.lifecycle.postgres.DatabaseFailure;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.reconcile.ReconcileException;
import io.noetl.lifecycle.registry.plan.ComponentLiveness;
import io.noetl.lifecycle.registry.plan.DeclaredColumn;
import io.noetl.lifecycle.registry.plan.RegistryIncompatibleException;
import io.noetl.lifecycle.registry.plan.RegistryMapping;
import io.noetl.lifecycle.registry.plan.RegistryRow;
import io.noetl.lifecycle.registry.plan.RegistryShape;
import io.noetl.lifecycle.registry.plan.RuntimeComponentSettings;
import io.noetl.lifecycle.registry.plan.RuntimeDeclaration;
import io.noetl.lifecycle.registry.plan.RuntimeIdGenerator;
import io.noetl.lifecycle.registry.postgres.RegistryCatalog;
import io.noetl.lifecycle.registry.postgres.RuntimeRegistry;
import io.noetl.lifecycle.api.DeletionPolicy;
import java.util.List;
import java.util.Map;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The database side of one RuntimeComponent reconcile: make sure the registry exists and fits, then register
 * (or, when only observing, read) the row and apply {@code markOfflineAfter}. One connection, usually one round
 * trip: the registry's shape comes from {@link RegistryCatalog}, and a registration is a single upsert that
 * reads the row back.
 */
public final class ComponentRegistrar {

    /**
     * @param row the row after this pass; null when there is none
     * @param note for suspend and dry-run, what applying would do
     * @param drift the declared fields whose columns hold the component's own, other values (see
     *        {@link RuntimeRegistry.Registration#drift})
     * @param restored the columns this pass wrote over the component's own values ({@code precedence: Declaration}),
     *        with the values they held
     */
    public record Outcome(RegistryRow row, boolean inserted, boolean declaredWritten, boolean markedOffline,
            boolean bootstrapped, String note, List<DeclaredColumn> drift, List<DeclaredColumn> restored) {
        public Outcome {
            drift = drift == null ? List.of() : List.copyOf(drift);
            restored = restored == null ? List.of() : List.copyOf(restored);
        }

        /** An outcome with no difference from the declaration and nothing restored. */
        public Outcome(RegistryRow row, boolean inserted, boolean declaredWritten, boolean markedOffline,
                boolean bootstrapped, String note) {
            this(row, inserted, declaredWritten, markedOffline, bootstrapped, note, List.of(), List.of());
        }
    }

    private final RegistryCatalog catalog;
    private final RuntimeIdGenerator ids;
    private final LockPolicy lockPolicy;
    private final Clock clock;

    public ComponentRegistrar(RegistryCatalog catalog, RuntimeIdGenerator ids, LockPolicy lockPolicy, Clock clock) {
        this.catalog = catalog;
        this.ids = ids;
        this.lockPolicy = lockPolicy;
        this.clock = clock;
    }

    /**
     * @param knownCurrent this operator already registered exactly this declaration in this database, so a read
     *        that finds the declared columns unchanged is enough (no row lock, no write)
     */
    public Outcome run(DataSource dataSource, DatabaseTarget target, RuntimeComponentSettings settings, Mode mode,
            boolean knownCurrent, Instant now) throws ReconcileException {
        RuntimeDeclaration d = settings.declaration();
        try {
            boolean bootstrapped = false;
            RegistryShape shape = catalog.shape(dataSource, target);
            if (!shape.exists()) {
                if (settings.bootstrap() != Bootstrap.IfMissing) {
                    throw new ReconcileException(Reason.TABLE_MISSING, RuntimeRegistry.TABLE
                            + " does not exist; set spec.bootstrap to IfMissing to create it");
                }
                if (mode != Mode.APPLY) {
                    return new Outcome(null, false, false, false, false, "would create " + RuntimeRegistry.TABLE
                            + " and register " + d.key());
                }
                bootstrapped = catalog.bootstrap(dataSource, target, lockPolicy);
                shape = catalog.shape(dataSource, target);
            }
            RegistryMapping mapping = mapping(shape, d);
            try (Connection c = dataSource.getConnection()) {
                if (mode != Mode.APPLY) {
                    return observeOnly(c, mapping, settings, now);
                }
                RuntimeRegistry.Registration registration = null;
                if (knownCurrent) {
                    Optional<RuntimeRegistry.Observation> seen = RuntimeRegistry.observe(c, mapping, d);
                    if (seen.isPresent() && seen.get().lease()) {
                        throw leaseRow(d);
                    }
                    if (seen.isPresent() && !seen.get().declaredDiffer()) {
                        registration = new RuntimeRegistry.Registration(seen.get().row(), false, false, false,
                                seen.get().drift(), List.of());
                    }
                }
                if (registration == null) {
                    registration = RuntimeRegistry.register(c, mapping, d,
                            () -> ids.next(SnowflakeId.millisSinceEpoch(clock.instant())));
                }
                if (registration.lease()) {
                    throw leaseRow(d);
                }
                RegistryRow row = registration.row();
                boolean markedOffline = false;
                if (ComponentLiveness.dueToGoOffline(row, now, settings.markOfflineAfter())) {
                    Optional<RegistryRow> marked = RuntimeRegistry.markStaleOffline(c, mapping, d,
                            now.minus(settings.markOfflineAfter()));
                    if (marked.isPresent()) {
                        row = marked.get();
                        markedOffline = true;
                    }
                }
                return new Outcome(row, registration.inserted(), registration.declaredWritten(), markedOffline,
                        bootstrapped, null, registration.drift(), registration.restored());
            }
        } catch (SQLException e) {
            throw failure(target, e);
        }
    }

    /**
     * What a deletion did to the row, for the Event: its reason ({@code RowDeleted}, {@code MarkedOffline},
     * {@code RowKept}), its message, whether it is a warning; empty reason when nothing changed and nothing needs
     * saying.
     */
    public record Retirement(String reason, String message, boolean warning) {
        static final Retirement NOTHING = new Retirement(null, null, false);
    }

    /**
     * Applies a deletion policy to the row: offline, or removed. Only the row with {@code heldId} (the id this
     * resource registered and shows in its status) is touched, never another row of its key; with none known, a
     * MarkOffline goes by the key and a deletion does nothing. A row is removed only when this resource inserted it
     * ({@code createdRow}), and, under {@code Delete}, only while no metric row references it; otherwise it is marked
     * offline and kept.
     */
    public Retirement retire(DataSource dataSource, DatabaseTarget target, RuntimeDeclaration d,
            DeletionPolicy policy, Optional<Long> heldId, boolean createdRow) throws ReconcileException {
        String key = d.key();
        try {
            RegistryShape shape = catalog.shape(dataSource, target);
            if (!shape.exists()) {
                return Retirement.NOTHING;
            }
            RegistryMapping mapping = mapping(shape, null);
            try (Connection c = dataSource.getConnection()) {
                boolean delete = policy == DeletionPolicy.Delete || policy == DeletionPolicy.DeleteWithMetrics;
                if (!delete) {
                    boolean changed = RuntimeRegistry.markOffline(c, mapping, d, heldId);
                    return changed ? new Retirement("MarkedOffline", key + " set offline in the registry", false)
                            : Retirement.NOTHING;
                }
                if (heldId.isEmpty()) {
                    return new Retirement("RowKept", key + " was not removed: this resource holds no runtime_id of "
                            + "it (it never registered the row), and a row is removed only by the id it registered",
                            true);
                }
                if (!createdRow) {
                    boolean changed = RuntimeRegistry.markOffline(c, mapping, d, heldId);
                    long refs = RuntimeRegistry.referencingRows(c, heldId.get(), RuntimeRegistry.REFERENCES_COUNTED);
                    return new Retirement("RowKept", key + " (runtime_id " + heldId.get() + ") was not removed: this "
                            + "resource found it in the registry and adopted it, and removes only rows it inserted; "
                            + (changed ? "it was set offline instead. " : "it is left offline. ") + rows(refs)
                            + " reference it", true);
                }
                Map.Entry<RuntimeRegistry.Removal, Long> removal = RuntimeRegistry.delete(c, mapping, d, heldId.get(),
                        policy == DeletionPolicy.DeleteWithMetrics);
                return switch (removal.getKey()) {
                    case DELETED -> new Retirement("RowDeleted", key + " (runtime_id " + heldId.get() + ") removed "
                            + "from the registry" + (removal.getValue() > 0 ? ", and with it " + rows(removal.getValue())
                                    + " that referenced it (deletionPolicy DeleteWithMetrics)" : "; no metric row "
                                    + "referenced it"), removal.getValue() > 0);
                    case REFERENCED -> {
                        boolean changed = RuntimeRegistry.markOffline(c, mapping, d, heldId);
                        yield new Retirement("RowKept", key + " (runtime_id " + heldId.get() + ") was not removed: "
                                + rows(removal.getValue()) + " reference it, and deletionPolicy Delete removes no "
                                + "metric row; " + (changed ? "it was set offline instead" : "it is left offline")
                                + " (deletionPolicy DeleteWithMetrics would remove them too)", true);
                    }
                    case NOT_FOUND -> new Retirement("RowKept", "no registry row holds " + key + " with runtime_id "
                            + heldId.get() + " any more (removed, or registered anew under another id): nothing was "
                            + "removed", true);
                };
            }
        } catch (SQLException e) {
            throw failure(target, e);
        }
    }

    /** {@code n} metric rows, in words ({@code 1,000,000 or more} at the counting bound). */
    static String rows(long n) {
        return (n >= RuntimeRegistry.REFERENCES_COUNTED ? String.format(java.util.Locale.ROOT, "%,d or more", n)
                : String.format(java.util.Locale.ROOT, "%,d", n)) + " metric row" + (n == 1 ? "" : "s");
    }

    /** How many metric rows reference the row with {@code runtimeId}, counted up to a bound. */
    public long referencingRows(DataSource dataSource, DatabaseTarget target, long runtimeId)
            throws ReconcileException {
        try (Connection c = dataSource.getConnection()) {
            return RuntimeRegistry.referencingRows(c, runtimeId, RuntimeRegistry.REFERENCES_SHOWN);
        } catch (SQLException e) {
            throw failure(target, e);
        }
    }

    private Outcome observeOnly(Connection c, RegistryMapping mapping, RuntimeComponentSettings settings,
            Instant now) throws SQLException, ReconcileException {
        RuntimeDeclaration d = settings.declaration();
        Optional<RuntimeRegistry.Observation> seen = RuntimeRegistry.observe(c, mapping, d);
        if (seen.isEmpty()) {
            return new Outcome(null, false, false, false, false, "would register " + d.key());
        }
        if (seen.get().lease()) {
            throw leaseRow(d);
        }
        RegistryRow row = seen.get().row();
        String note;
        if (!seen.get().declaredDiffer()) {
            note = d.key() + " is registered" + (seen.get().drift().isEmpty() ? " as declared"
                    : "; the component's own values stand where they differ from the declaration");
        } else if (row.writtenByComponent() && !seen.get().drift().isEmpty()) {
            note = "would write the declared values of " + d.key() + " over the component's own (precedence "
                    + d.precedence() + ")";
        } else {
            note = "would update the declared columns of " + d.key();
        }
        if (ComponentLiveness.dueToGoOffline(row, now, settings.markOfflineAfter())) {
            note += "; would mark it offline (no heartbeat for more than markOfflineAfter)";
        }
        return new Outcome(row, false, false, false, false, note, seen.get().drift(), List.of());
    }

    /** The refusal of a declaration whose key names one of NoETL's server leases. */
    private static ReconcileException leaseRow(RuntimeDeclaration d) {
        return new ReconcileException(Reason.LEASE_ROW, d.key() + " is a row NoETL's servers use as a control lease "
                + "(its runtime type is " + RegistryRow.LEASE_TYPE + "); the operator never writes such a row, nor marks "
                + "or removes it on deletion. Declare the component under another name");
    }

    private static RegistryMapping mapping(RegistryShape shape, RuntimeDeclaration d) throws ReconcileException {
        try {
            RegistryMapping mapping = RegistryMapping.choose(RuntimeRegistry.TABLE.toString(), shape);
            if (d != null) {
                Optional<String> missing = mapping.missingFor(d);
                if (missing.isPresent()) {
                    throw new ReconcileException(Reason.REGISTRY_INCOMPATIBLE, RuntimeRegistry.TABLE + " has no column "
                            + missing.get() + " for a value the spec declares");
                }
            }
            return mapping;
        } catch (RegistryIncompatibleException e) {
            throw new ReconcileException(e.reason(), e.getMessage());
        }
    }

    private ReconcileException failure(DatabaseTarget target, SQLException e) {
        catalog.failed(target, e);
        DatabaseFailure failure = DatabaseFailure.of(e, target);
        // no unique index matches ON CONFLICT: someone changed the table since it was read
        Reason reason = "42P10".equals(e.getSQLState()) ? Reason.REGISTRY_INCOMPATIBLE : failure.reason();
        return new ReconcileException(reason, failure.message());
    }
}
