package io.noetl.lifecycle.partition;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.noetl.lifecycle.partition.plan.Finding;
import io.noetl.lifecycle.partition.plan.Plan;
import io.noetl.lifecycle.partition.plan.TablePolicySettings;
import io.noetl.lifecycle.partition.report.DegradedFindings;
import io.noetl.lifecycle.postgres.DatabaseIdentity;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The one rule for which policy may act on a table, and how much; the reconcilers, the HTTP endpoints and
 * {@code apply --once} all decide by it.
 *
 * <p>A policy claims its table in its database ({@link #keys}: schema.table in the database as the server identifies
 * it, whatever the credentials or the spelling of its URL), and a MetricRetentionPolicy its rollup tiers' tables as
 * well: a tier table that is another policy's table (raw or tier) is written and retired by both, the same conflict.
 * Among the usable policies of one kind sharing a key, the first by {@link #ORDER} (the earliest
 * {@code creationTimestamp}; one without sorts after those with one; then namespace/name) keeps creating
 * partitions but retires none while the others exist ({@link Share#CREATE_ONLY}); the others change nothing
 * ({@link Share#NONE}). A policy alone has the whole table ({@link Share#WHOLE}). Creating is safe for any number of
 * claimants, since the executor creates only free ranges; a retirement one policy plans may hold rows another
 * keeps, so nothing is retired until one policy is left.
 *
 * @param rivals the other claimants, in claim order, as namespace/name
 */
public record TableClaim(Share share, List<String> rivals) {

    public enum Share {
        /** Alone on the table: creates and retires as planned. */
        WHOLE,
        /** The first of several: creates partitions, retires none. */
        CREATE_ONLY,
        /** Not the first: changes nothing while the first exists. */
        NONE
    }

    /** One claimant as the rule sees it. */
    public record Claimant(String namespace, String name, Instant created) {
        public static Claimant of(HasMetadata resource) {
            return new Claimant(resource.getMetadata().getNamespace(), resource.getMetadata().getName(),
                    parse(resource.getMetadata().getCreationTimestamp()));
        }

        public String id() {
            return (namespace == null ? "" : namespace + "/") + name;
        }

        private static Instant parse(String timestamp) {
            try {
                return timestamp == null ? null : Instant.parse(timestamp);
            } catch (DateTimeParseException e) {
                return null; // unreadable: sorts as if it had none
            }
        }
    }

    /** Claim order: creation time (none last), then namespace/name. */
    public static final Comparator<Claimant> ORDER = Comparator
            .comparing(Claimant::created, Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(Claimant::id);

    public TableClaim {
        Objects.requireNonNull(share, "share");
        rivals = List.copyOf(rivals);
        if ((share == Share.WHOLE) != rivals.isEmpty()) {
            throw new IllegalArgumentException(share + " with rivals " + rivals);
        }
    }

    /** A policy alone on its table. */
    public static TableClaim whole() {
        return new TableClaim(Share.WHOLE, List.of());
    }

    /**
     * What a policy claims: its table, and a MetricRetentionPolicy's rollup tier tables, each in the database
     * {@code database} identifies ({@link DatabaseIdentity}, as the server reports it, so that two spellings of one
     * database's URL are one database). Two policies of one kind sharing a key would fight over that table. The
     * series catalogue is not claimed: it is shared by design (one row per series fingerprint, merged).
     */
    public static List<String> keys(TablePolicySettings settings, String database) {
        List<String> keys = new ArrayList<>();
        for (String table : tables(settings)) {
            keys.add(table + "@" + database);
        }
        return keys;
    }

    /** The tables a policy writes to and retires partitions of: its own, then its kind's others (rollup tiers). */
    public static List<String> tables(TablePolicySettings settings) {
        return settings.tables();
    }

    /** Whether two policies' {@link #keys} share a table. */
    public static boolean overlap(Collection<String> keys, Collection<String> others) {
        return others.stream().anyMatch(keys::contains);
    }

    /** The claim of {@code self}, given the other usable claimants of its key (itself among them or not). */
    public static TableClaim of(Claimant self, Collection<Claimant> others) {
        List<Claimant> rivals = others.stream().filter(o -> !o.id().equals(self.id())).sorted(ORDER).toList();
        if (rivals.isEmpty()) {
            return whole();
        }
        Share share = ORDER.compare(self, rivals.get(0)) < 0 ? Share.CREATE_ONLY : Share.NONE;
        return new TableClaim(share, rivals.stream().map(Claimant::id).toList());
    }

    /** The claims of candidates seen together (the HTTP endpoints' policies, a file's): rivals share a key. */
    public static <T> Map<T, TableClaim> among(List<T> candidates, Function<T, ? extends Collection<String>> keys,
            Function<T, Claimant> claimant) {
        Map<String, List<T>> byKey = new HashMap<>();
        candidates.forEach(c -> keys.apply(c).forEach(k -> byKey.computeIfAbsent(k, x -> new ArrayList<>()).add(c)));
        Map<T, TableClaim> claims = new IdentityHashMap<>();
        for (T c : candidates) {
            Map<T, Boolean> rivals = new IdentityHashMap<>();
            keys.apply(c).forEach(k -> byKey.get(k).forEach(r -> rivals.put(r, true)));
            claims.put(c, of(claimant.apply(c), rivals.keySet().stream().map(claimant).toList()));
        }
        return claims;
    }

    /** Whether the policy may write to the table at all. */
    public boolean mayWrite() {
        return share != Share.NONE;
    }

    /** The part of a plan this claim lets a policy act on (and shows as planned): no retirements among rivals. */
    public UnaryOperator<Plan> narrow() {
        return share == Share.WHOLE ? UnaryOperator.identity() : Plan::withoutRetirements;
    }

    /** The finding for a shared table, saying what this claim lets the policy do; none when it is alone. */
    public Optional<Finding> conflict() {
        return switch (share) {
            case WHOLE -> Optional.empty();
            case CREATE_ONLY -> Optional.of(DegradedFindings.conflictingPolicy(rivals,
                    "; this one, the first, only creates partitions and retires none"));
            case NONE -> Optional.of(DegradedFindings.conflictingPolicy(rivals,
                    "; the first of them (" + rivals.get(0) + ") acts and this one changes nothing"));
        };
    }
}
