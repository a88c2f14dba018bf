package io.noetl.lifecycle.partition.report;

import io.noetl.lifecycle.api.PartitionedTableStatus;
import io.noetl.lifecycle.api.PendingRetirementRef;
import io.noetl.lifecycle.api.RetentionRef;
import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.Plan;
import io.noetl.lifecycle.partition.plan.RetentionGrace;
import io.noetl.lifecycle.partition.plan.TablePolicySettings;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;

/**
 * What the status shows and remembers of the bounds on retirements: the retention in force, a shortened one waiting
 * its grace ({@link RetentionGrace}), and the retirements a plan holds back. The reconciler writes it; the HTTP
 * endpoints and the command line read what a resource's status remembers.
 */
public final class RetirementReport {
    private RetirementReport() {
    }

    /** What {@code status} remembers of the retention; {@link RetentionGrace.Memory#NONE} for no status. */
    public static RetentionGrace.Memory remembered(PartitionedTableStatus status) {
        if (status == null || status.getRetention() == null) {
            return RetentionGrace.Memory.NONE;
        }
        RetentionRef r = status.getRetention();
        Optional<Instant> seenAt = Optional.ofNullable(r.getSeenAt()).flatMap(t -> {
            try {
                return Optional.of(Instant.parse(t));
            } catch (DateTimeParseException e) {
                return Optional.empty();
            }
        });
        return new RetentionGrace.Memory(Optional.ofNullable(r.getInForce()), Optional.ofNullable(r.getShortenedTo()),
                seenAt);
    }

    /**
     * Writes the retention in force, the waiting shortening (or none) and the retirements {@code plan} holds back.
     * {@code status.retention} is written whole each time and never removed (see {@link RetentionRef}).
     */
    public static void report(PartitionedTableStatus status, RetentionGrace.Decision decision, Plan plan,
            TablePolicySettings settings, KeyType keyType) {
        RetentionGrace.Memory memory = decision.memory();
        status.setRetention(new RetentionRef(memory.inForce().orElseThrow(), memory.waiting().orElse(null),
                decision.seenAt().map(Instant::toString).orElse(null),
                decision.effectiveAt().map(Instant::toString).orElse(null)));
        List<PendingRetirementRef> pending = pending(decision, plan, settings, keyType);
        status.setPendingRetirements(pending.stream().limit(PartitionedTableStatus.LIST_CAP).toList());
        status.setPendingRetirementCount(pending.size());
    }

    /**
     * Every retirement {@code plan} holds back, oldest first, with what holds it and, for those a waiting grace
     * keeps, the earliest time it goes: when the shortened retention takes effect, or sooner when the retention in
     * force expires it first.
     */
    public static List<PendingRetirementRef> pending(RetentionGrace.Decision decision, Plan plan,
            TablePolicySettings settings, KeyType keyType) {
        return plan.deferred().stream().map(d -> {
            String at = null;
            if (d.hold() == Plan.Hold.RETENTION_CHANGE_GRACE && decision.effectiveAt().isPresent()) {
                Instant effective = decision.effectiveAt().get();
                Instant when = decision.inForce()
                        .map(r -> settings.instantOf(keyType, d.action().range().to()).plus(r))
                        .filter(t -> t.isBefore(effective)).orElse(effective);
                at = when.toString();
            }
            return new PendingRetirementRef(d.action().partition(), d.hold().field(), at);
        }).toList();
    }
}
