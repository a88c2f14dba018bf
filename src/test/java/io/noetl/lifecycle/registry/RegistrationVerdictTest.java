package io.noetl.lifecycle.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.ComponentPhase;
import io.noetl.lifecycle.api.FieldDrift;
import io.noetl.lifecycle.api.Precedence;
import io.noetl.lifecycle.api.Mode;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.registry.plan.DeclaredColumn;
import io.noetl.lifecycle.registry.plan.RegistryMapping.Role;
import io.noetl.lifecycle.registry.plan.RegistryRow;
import io.noetl.lifecycle.report.Verdict;
import io.noetl.lifecycle.support.VerdictText;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The RuntimeComponent verdict over every mode × claim (the key free, or held by a resource declared first) ×
 * outcome the reconciler meets, with no cluster and no database. Expected values are written out per column.
 */
class RegistrationVerdictTest {
    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
    private static final Instant NEXT_LOOK = NOW.plusSeconds(45);
    private static final Duration RETRY = Duration.ofMinutes(5);
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String KEY = "worker/w1";
    private static final RegistryRow ROW = new RegistryRow(7001, NOW.minusSeconds(10), "ready");

    /** What the registrar did. The first five write, so only Apply meets them; NO_ROW is only observed. */
    enum Outcome {
        REGISTERED, ROW_REPLACED, DECLARED_UPDATED, MARKED_OFFLINE, BOOTSTRAPPED, UNCHANGED, STALE, NO_ROW,
        COULD_NOT_RUN, INVALID_SPEC;

        boolean writes() {
            return ordinal() <= BOOTSTRAPPED.ordinal();
        }
    }

    enum Claim {
        FREE, HELD
    }

    // Ready by mode when the key is free and the registrar ran
    private static final Map<Mode, String> READY = Map.of(Mode.APPLY, "True Registered", Mode.DRY_RUN, "True DryRun",
            Mode.SUSPEND, "True Suspended");

    // Degraded by outcome when the key is free
    private static final Map<Outcome, String> DEGRADED = Map.of(
            Outcome.REGISTERED, "False AsExpected", Outcome.ROW_REPLACED, "False AsExpected",
            Outcome.DECLARED_UPDATED, "False AsExpected", Outcome.MARKED_OFFLINE, "False AsExpected",
            Outcome.BOOTSTRAPPED, "False AsExpected", Outcome.UNCHANGED, "False AsExpected",
            Outcome.STALE, "True HeartbeatStale", Outcome.NO_ROW, "False AsExpected",
            Outcome.COULD_NOT_RUN, "True DatabaseUnreachable", Outcome.INVALID_SPEC, "True InvalidSpec");

    // Events by outcome when the key is free
    private static final Map<Outcome, List<String>> EVENTS = Map.of(
            Outcome.REGISTERED, List.of("Normal Registered"),
            Outcome.ROW_REPLACED, List.of("Warning RowReplaced"),
            Outcome.DECLARED_UPDATED, List.of("Normal RegistrationUpdated"),
            Outcome.MARKED_OFFLINE, List.of("Normal MarkedOffline"),
            Outcome.BOOTSTRAPPED, List.of("Normal Bootstrapped", "Normal Registered"),
            Outcome.UNCHANGED, List.of(), Outcome.STALE, List.of(), Outcome.NO_ROW, List.of(),
            Outcome.COULD_NOT_RUN, List.of("Warning DatabaseUnreachable"),
            Outcome.INVALID_SPEC, List.of("Warning InvalidSpec"));

    @Test
    void everyModeClaimAndOutcome() {
        int checked = 0;
        for (Mode mode : Mode.values()) {
            for (Claim claim : Claim.values()) {
                for (Outcome outcome : Outcome.values()) {
                    if ((outcome.writes() && mode != Mode.APPLY) || (outcome == Outcome.NO_ROW && mode == Mode.APPLY)) {
                        continue; // only Apply writes; after Apply there is a row
                    }
                    String at = mode + " × " + claim + " × " + outcome;
                    Verdict v = verdict(mode, claim, outcome);
                    boolean spec = outcome == Outcome.INVALID_SPEC;
                    boolean failed = spec || outcome == Outcome.COULD_NOT_RUN || claim == Claim.HELD;
                    // a spec error comes before the claim is looked at, the claim before the database
                    String reason = spec ? "InvalidSpec" : outcome == Outcome.COULD_NOT_RUN ? "DatabaseUnreachable"
                            : claim == Claim.HELD ? "ConflictingComponent" : null;
                    assertEquals(failed ? "False " + reason : READY.get(mode), VerdictText.mark(v.ready()), at + ": Ready");
                    assertEquals(failed ? "True " + reason : DEGRADED.get(outcome), VerdictText.mark(v.degraded()),
                            at + ": Degraded");
                    assertEquals(failed ? List.of("Warning " + reason) : EVENTS.get(outcome), VerdictText.events(v),
                            at + ": events");
                    assertEquals(failed ? Optional.of(v.ready().reason()) : Optional.empty(), v.failure(), at);
                    assertEquals(spec ? Optional.empty() : failed ? Optional.of(NOW.plus(RETRY))
                            : Optional.of(NEXT_LOOK), v.nextRun(), at + ": next run");
                    checked++;
                }
            }
        }
        // Apply: 9 outcomes (no NO_ROW); DryRun and Suspend: 5 (no writes); each with two claims
        assertEquals((9 + 5 + 5) * 2, checked);
    }

    @Test
    void messagesNameTheKeyTheRowAndTheHolder() {
        Verdict registered = verdict(Mode.APPLY, Claim.FREE, Outcome.REGISTERED);
        assertEquals(KEY + " is registered as runtime_id 7001", registered.ready().message());
        Verdict replaced = verdict(Mode.APPLY, Claim.FREE, Outcome.ROW_REPLACED);
        assertTrue(replaced.events().get(0).message().startsWith("status showed runtime_id 6999; " + KEY
                + " is now registered as runtime_id 7001"), replaced.events().get(0).message());
        Verdict dryRun = verdict(Mode.DRY_RUN, Claim.FREE, Outcome.NO_ROW);
        assertEquals("dry run: would register " + KEY, dryRun.ready().message());
        Verdict stale = verdict(Mode.APPLY, Claim.FREE, Outcome.STALE);
        assertEquals("no heartbeat for more than heartbeatTimeout (1m30s)", stale.degraded().message());
        Verdict held = verdict(Mode.APPLY, Claim.HELD, Outcome.UNCHANGED);
        assertTrue(held.ready().message().contains("by ns/older, created first"), held.ready().message());
    }

    /**
     * Issue 28: the component registered other values than declared. Its own stand: Degraded DeclarationDiffers,
     * and one Event only when the difference changes; HeartbeatStale comes first. A restore under precedence
     * Declaration is one Event, DeclarationRestored, in place of RegistrationUpdated.
     */
    @Test
    void aDifferenceIsDegradedWithAnEventOnlyWhenItChangesAndARestoreIsOneEvent() {
        DeclaredColumn capacity = new DeclaredColumn(Role.CAPACITY, "capacity", "8", "16");
        DeclaredColumn uri = new DeclaredColumn(Role.URL, "uri", "http://w1:8080",
                "k8s://noetl/w1-7d9f");
        ComponentRegistrar.Outcome differs = new ComponentRegistrar.Outcome(ROW, false, false, false, false, null,
                List.of(uri, capacity), List.of());
        Verdict first = RegistrationVerdict.registered(Mode.APPLY, registration(differs, List.of(),
                ComponentPhase.Live, Precedence.Component));
        assertEquals("True Registered", VerdictText.mark(first.ready()));
        assertEquals("True DeclarationDiffers", VerdictText.mark(first.degraded()));
        assertEquals(KEY + ": the component registered itself with values other than declared: baseUrl "
                + "k8s://noetl/w1-7d9f (declared http://w1:8080), capacity 16 (declared 8); its own stand (precedence "
                + "Component; see status.drift)", first.degraded().message());
        assertEquals(List.of("Normal DeclarationDiffers"), VerdictText.events(first));

        // the next look finds the same difference, as status shows it: no Event
        List<FieldDrift> shown = List.of(uri.shown(), capacity.shown());
        Verdict again = RegistrationVerdict.registered(Mode.APPLY, registration(differs, shown, ComponentPhase.Live,
                Precedence.Component));
        assertEquals("True DeclarationDiffers", VerdictText.mark(again.degraded()));
        assertEquals(List.of(), VerdictText.events(again));

        // the component changed one of them: one Event again
        ComponentRegistrar.Outcome changed = new ComponentRegistrar.Outcome(ROW, false, false, false, false, null,
                List.of(new DeclaredColumn(Role.URL, "uri", "http://w1:8080", "k8s://noetl/w1-8c2a"), capacity),
                List.of());
        assertEquals(List.of("Normal DeclarationDiffers"), VerdictText.events(RegistrationVerdict.registered(
                Mode.APPLY, registration(changed, shown, ComponentPhase.Live, Precedence.Component))));

        // stale: HeartbeatStale first, naming the difference
        Verdict stale = RegistrationVerdict.registered(Mode.APPLY, registration(differs, shown, ComponentPhase.Stale,
                Precedence.Component));
        assertEquals("True HeartbeatStale", VerdictText.mark(stale.degraded()));
        assertTrue(stale.degraded().message().endsWith("(status.drift)"), stale.degraded().message());

        // precedence Declaration wrote the declared values back: one Event naming what it replaced, no difference left
        ComponentRegistrar.Outcome restored = new ComponentRegistrar.Outcome(ROW, false, true, false, false, null,
                List.of(), List.of(uri, capacity));
        Verdict restore = RegistrationVerdict.registered(Mode.APPLY, registration(restored, shown,
                ComponentPhase.Live, Precedence.Declaration));
        assertEquals("False AsExpected", VerdictText.mark(restore.degraded()));
        assertEquals(List.of("Normal DeclarationRestored"), VerdictText.events(restore));
        assertEquals(KEY + ": declared values written over the ones the component registered (precedence "
                + "Declaration): baseUrl http://w1:8080 (was k8s://noetl/w1-7d9f), capacity 8 (was 16)",
                restore.events().get(0).message());

        // a credential in a reported value is masked, and a long one cut
        DeclaredColumn secret = new DeclaredColumn(Role.RUNTIME, "runtime", "{\"type\": \"python\"}",
                "{\"dsn\": \"postgres://noetl:hunter2@db/noetl\", \"token\": \"abc\", \"pad\": \""
                        + "x".repeat(400) + "\"}");
        FieldDrift masked = secret.shown();
        assertTrue(!masked.getReported().contains("hunter2") && !masked.getReported().contains("abc"),
                masked.getReported());
        assertEquals(DeclaredColumn.SHOWN, masked.getReported().length());
    }

    private static RegistrationVerdict.Registration registration(ComponentRegistrar.Outcome o, List<FieldDrift> shown,
            ComponentPhase phase, Precedence precedence) {
        return new RegistrationVerdict.Registration(KEY, o, Optional.of("7001"), Optional.of(phase), TIMEOUT,
                NEXT_LOOK, shown, precedence);
    }

    private static Verdict verdict(Mode mode, Claim claim, Outcome outcome) {
        if (outcome == Outcome.INVALID_SPEC) {
            return RegistrationVerdict.rejected(Reason.INVALID_SPEC, "spec.type: no such type");
        }
        if (outcome == Outcome.COULD_NOT_RUN) {
            return RegistrationVerdict.failed(Reason.DATABASE_UNREACHABLE, "connection refused", NOW, RETRY);
        }
        if (claim == Claim.HELD) {
            return RegistrationVerdict.held(KEY, "ns/older", NOW, RETRY);
        }
        ComponentRegistrar.Outcome o = switch (outcome) {
            case REGISTERED, ROW_REPLACED -> new ComponentRegistrar.Outcome(ROW, true, true, false, false, null);
            case DECLARED_UPDATED -> new ComponentRegistrar.Outcome(ROW, false, true, false, false, null);
            case MARKED_OFFLINE -> new ComponentRegistrar.Outcome(ROW, false, false, true, false, null);
            case BOOTSTRAPPED -> new ComponentRegistrar.Outcome(ROW, true, true, false, true, null);
            case UNCHANGED, STALE -> new ComponentRegistrar.Outcome(ROW, false, false, false, false,
                    mode == Mode.APPLY ? null : KEY + " is registered as declared");
            case NO_ROW -> new ComponentRegistrar.Outcome(null, false, false, false, false, "would register " + KEY);
            default -> throw new IllegalArgumentException(outcome.toString());
        };
        Optional<String> shown = outcome == Outcome.ROW_REPLACED ? Optional.of("6999")
                : outcome == Outcome.REGISTERED ? Optional.empty() : Optional.of("7001");
        Optional<ComponentPhase> phase = outcome == Outcome.NO_ROW ? Optional.empty()
                : Optional.of(outcome == Outcome.STALE ? ComponentPhase.Stale : ComponentPhase.Live);
        return RegistrationVerdict.registered(mode, new RegistrationVerdict.Registration(KEY, o, shown, phase, TIMEOUT,
                NEXT_LOOK));
    }
}
