package io.noetl.lifecycle.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.Mode;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.partition.plan.Finding;
import io.noetl.lifecycle.partition.plan.KeyRange;
import io.noetl.lifecycle.partition.plan.PlannedAction;
import io.noetl.lifecycle.partition.plan.RetentionGrace;
import io.noetl.lifecycle.partition.plan.Window;
import io.noetl.lifecycle.partition.postgres.PartitionExecutor;
import io.noetl.lifecycle.report.Verdict;
import io.noetl.lifecycle.support.VerdictText;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The partition kinds' verdict over every mode × claim × outcome the reconcilers meet, with no cluster and no
 * database. The expected values are written out per column (Ready by mode and claim, Degraded by claim and
 * outcome, Events and next run by outcome) and every combination is checked against all of them.
 */
class PartitionVerdictTest {
    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
    private static final Instant PERIODIC = NOW.plus(Duration.ofHours(1));
    private static final Instant BOUNDARY = Instant.parse("2026-11-22T00:01:00Z");
    private static final Duration RETRY = Duration.ofMinutes(5);
    private static final PartitionVerdict.Timing TIMING = new PartitionVerdict.Timing(NOW, PERIODIC, BOUNDARY, RETRY);
    private static final String SUMMARY = "12 partitions, covered until 2026-11-28T00:00:00Z";
    private static final Finding COLLISION = new Finding(Reason.NAME_COLLISION, "metric_2026_11_21 is taken");
    private static final PlannedAction CREATE = new PlannedAction.CreatePartition("metric_2026_11_29",
            new Window(1L, 2L), "premake");

    /** What a pass found. Outcomes with applied actions or a bootstrap arise only when the pass may write. */
    enum Outcome {
        NOTHING_TO_DO, PENDING, PLANNER_FINDINGS, DEFAULT_ROWS, APPLIED, BOOTSTRAPPED, STOPPED, COULD_NOT_RUN,
        INVALID_SPEC;

        boolean needsWrites() {
            return this == APPLIED || this == BOOTSTRAPPED || this == STOPPED;
        }
    }

    private static final Map<TableClaim.Share, TableClaim> CLAIMS = new EnumMap<>(Map.of(
            TableClaim.Share.WHOLE, TableClaim.whole(),
            TableClaim.Share.CREATE_ONLY, new TableClaim(TableClaim.Share.CREATE_ONLY, List.of("ns/second")),
            TableClaim.Share.NONE, new TableClaim(TableClaim.Share.NONE, List.of("ns/first"))));

    // Ready after a pass that worked, by mode (rows) and claim (WHOLE, CREATE_ONLY, NONE)
    private static final Map<Mode, List<String>> READY = Map.of(
            Mode.APPLY, List.of("True Maintained", "True Maintained", "False ConflictingPolicy"),
            Mode.DRY_RUN, List.of("True DryRun", "True DryRun", "False ConflictingPolicy"),
            Mode.SUSPEND, List.of("True Suspended", "True Suspended", "False ConflictingPolicy"));

    // Degraded by outcome (rows) and claim (WHOLE, CREATE_ONLY, NONE)
    private static final Map<Outcome, List<String>> DEGRADED = Map.of(
            Outcome.NOTHING_TO_DO, List.of("False AsExpected", "True ConflictingPolicy", "True ConflictingPolicy"),
            Outcome.PENDING, List.of("False AsExpected", "True ConflictingPolicy", "True ConflictingPolicy"),
            Outcome.PLANNER_FINDINGS, List.of("True NameCollision", "True ConflictingPolicy", "True ConflictingPolicy"),
            Outcome.DEFAULT_ROWS, List.of("True RowsInDefaultPartition", "True ConflictingPolicy",
                    "True ConflictingPolicy"),
            Outcome.APPLIED, List.of("False AsExpected", "True ConflictingPolicy", "-"),
            Outcome.BOOTSTRAPPED, List.of("False AsExpected", "True ConflictingPolicy", "-"),
            Outcome.STOPPED, List.of("True LockTimeout", "True LockTimeout", "-"),
            Outcome.COULD_NOT_RUN, List.of("True DatabaseUnreachable", "True DatabaseUnreachable",
                    "True DatabaseUnreachable"),
            Outcome.INVALID_SPEC, List.of("True InvalidSpec", "True InvalidSpec", "True InvalidSpec"));

    // Events by outcome, whatever the mode and claim
    private static final Map<Outcome, List<String>> EVENTS = Map.of(
            Outcome.NOTHING_TO_DO, List.of(),
            Outcome.PENDING, List.of(),
            Outcome.PLANNER_FINDINGS, List.of(),
            Outcome.DEFAULT_ROWS, List.of(),
            Outcome.APPLIED, List.of("Normal CreatePartition"),
            Outcome.BOOTSTRAPPED, List.of("Normal Bootstrapped", "Normal CreatePartition"),
            Outcome.STOPPED, List.of("Normal CreatePartition", "Warning LockTimeout"),
            Outcome.COULD_NOT_RUN, List.of("Warning DatabaseUnreachable"),
            Outcome.INVALID_SPEC, List.of("Warning InvalidSpec"));

    // the next run by outcome: the boundary comes before the periodic run here; a spec error waits for a change
    private static final Map<Outcome, Optional<Instant>> NEXT = Map.of(
            Outcome.NOTHING_TO_DO, Optional.of(PERIODIC),
            Outcome.PENDING, Optional.of(PERIODIC),
            Outcome.PLANNER_FINDINGS, Optional.of(PERIODIC),
            Outcome.DEFAULT_ROWS, Optional.of(PERIODIC),
            Outcome.APPLIED, Optional.of(PERIODIC),
            Outcome.BOOTSTRAPPED, Optional.of(PERIODIC),
            Outcome.STOPPED, Optional.of(NOW.plus(RETRY)),
            Outcome.COULD_NOT_RUN, Optional.of(NOW.plus(RETRY)),
            Outcome.INVALID_SPEC, Optional.empty());

    @Test
    void everyModeClaimAndOutcome() {
        int checked = 0;
        for (Mode mode : Mode.values()) {
            for (TableClaim.Share share : TableClaim.Share.values()) {
                TableClaim claim = CLAIMS.get(share);
                for (Outcome outcome : Outcome.values()) {
                    if (outcome.needsWrites() && !PartitionVerdict.writes(mode, claim)) {
                        continue; // a pass that may not write applies nothing and creates no table
                    }
                    String at = mode + " × " + share + " × " + outcome;
                    Verdict v = verdict(mode, claim, outcome);
                    String ready = failed(outcome) ? "False " + DEGRADED.get(outcome).get(0).substring(5)
                            : READY.get(mode).get(share.ordinal());
                    assertEquals(ready, VerdictText.mark(v.ready()), at + ": Ready");
                    assertEquals(DEGRADED.get(outcome).get(share.ordinal()), VerdictText.mark(v.degraded()), at + ": Degraded");
                    assertEquals(EVENTS.get(outcome), VerdictText.events(v), at + ": events");
                    assertEquals(failed(outcome) ? Optional.of(v.ready().reason()) : Optional.empty(), v.failure(),
                            at + ": the failure the metrics count");
                    assertEquals(NEXT.get(outcome), v.nextRun(), at + ": next run");
                    checked++;
                }
            }
        }
        // 3 modes × 3 claims × the 6 outcomes any pass meets, and the 3 write outcomes where a pass may write
        // (Apply with the whole table or the first claim)
        assertEquals(3 * 3 * 6 + 2 * 3, checked);
    }

    @Test
    void onlyApplyWithAClaimWrites() {
        assertTrue(PartitionVerdict.writes(Mode.APPLY, CLAIMS.get(TableClaim.Share.WHOLE)));
        assertTrue(PartitionVerdict.writes(Mode.APPLY, CLAIMS.get(TableClaim.Share.CREATE_ONLY)));
        assertFalse(PartitionVerdict.writes(Mode.APPLY, CLAIMS.get(TableClaim.Share.NONE)));
        for (TableClaim claim : CLAIMS.values()) {
            assertEquals(Reason.SUSPENDED, PartitionVerdict.heldBack(Mode.SUSPEND, claim).orElseThrow().reason());
            assertEquals(Reason.DRY_RUN, PartitionVerdict.heldBack(Mode.DRY_RUN, claim).orElseThrow().reason());
        }
        assertEquals(Reason.CONFLICTING_POLICY, PartitionVerdict.heldBack(Mode.APPLY,
                CLAIMS.get(TableClaim.Share.NONE)).orElseThrow().reason());
    }

    @Test
    void messagesSayWhatWasSeenAndWhoActs() {
        Verdict dryRun = verdict(Mode.DRY_RUN, TableClaim.whole(), Outcome.PENDING);
        assertEquals("dry run: 2 actions planned, none applied; " + SUMMARY, dryRun.ready().message());
        Verdict suspended = verdict(Mode.SUSPEND, TableClaim.whole(), Outcome.PENDING);
        assertEquals("suspended: observing only; 2 actions pending; " + SUMMARY, suspended.ready().message());
        assertEquals(SUMMARY, verdict(Mode.APPLY, TableClaim.whole(), Outcome.NOTHING_TO_DO).ready().message());

        Verdict first = verdict(Mode.APPLY, CLAIMS.get(TableClaim.Share.CREATE_ONLY), Outcome.NOTHING_TO_DO);
        assertTrue(first.degraded().message().contains("[ns/second]"), first.degraded().message());
        assertTrue(first.degraded().message().contains("retires none"), first.degraded().message());
        Verdict other = verdict(Mode.APPLY, CLAIMS.get(TableClaim.Share.NONE), Outcome.NOTHING_TO_DO);
        assertTrue(other.ready().message().contains("ns/first"), other.ready().message());
        assertTrue(other.ready().message().contains("changes nothing"), other.ready().message());

        Verdict findings = verdict(Mode.APPLY, TableClaim.whole(), Outcome.PLANNER_FINDINGS);
        assertEquals(COLLISION.message() + " (and 1 more findings)", findings.degraded().message());
        Verdict stopped = verdict(Mode.APPLY, TableClaim.whole(), Outcome.STOPPED);
        assertEquals("CreatePartition metric_2026_11_30: lock not granted", stopped.ready().message());
    }

    @Test
    void aKeptRetirementOrASkewIsDegradedWithItsWordsAndAWarning() {
        PlannedAction drop = new PlannedAction.DropPartition("metric_2026_11_20", new KeyRange(1L, 2L),
                "past retention");
        Finding kept = PartitionExecutor.Kept.holdsRecentRows(drop, "2026-11-20 23:59:59+00", "2026-11-20 10:00:00+00").finding();
        Finding skew = new Finding(Reason.CLOCK_SKEW, "the operator's clock is 30d ahead");
        Verdict v = PartitionVerdict.passed(Mode.APPLY, TableClaim.whole(), PartitionVerdict.Pass.of("noetl.metric",
                SUMMARY).withFindings(List.of(kept, skew)), TIMING);
        assertEquals("True Maintained", VerdictText.mark(v.ready()));
        assertEquals("True PartitionHoldsRecentRows", VerdictText.mark(v.degraded()));
        assertTrue(v.degraded().message().startsWith("metric_2026_11_20 holds rows up to 2026-11-20 23:59:59+00"),
                v.degraded().message());
        assertEquals(List.of("Warning PartitionHoldsRecentRows", "Warning ClockSkew"), VerdictText.events(v));
        assertEquals(Optional.empty(), v.failure(), "a kept partition is no failure: the pass went on");
    }

    @Test
    void theNextRunIsThePeriodicOneOrJustAfterTheBoundaryWhicheverComesFirst() {
        PartitionVerdict.Pass pass = PartitionVerdict.Pass.of("noetl.metric", SUMMARY);
        Instant soon = NOW.plusSeconds(90);
        assertEquals(Optional.of(soon), PartitionVerdict.passed(Mode.APPLY, TableClaim.whole(), pass,
                new PartitionVerdict.Timing(NOW, PERIODIC, soon, RETRY)).nextRun());
        assertEquals(Optional.of(PERIODIC), PartitionVerdict.passed(Mode.APPLY, TableClaim.whole(), pass,
                new PartitionVerdict.Timing(NOW, PERIODIC, BOUNDARY, RETRY)).nextRun());
    }

    private static RetentionGrace.Memory inForce(String retention) {
        return new RetentionGrace.Memory(Optional.of(retention), Optional.empty(), Optional.empty());
    }

    @Test
    void aShortenedRetentionIsAnnouncedWhenSeenWithWhatItWouldRetireAndWhen() {
        RetentionGrace.Decision seen = RetentionGrace.decide(Optional.of(Duration.ofDays(1)), Duration.ofHours(1),
                inForce("30d"), NOW);
        Finding deferred = new Finding(Reason.RETIREMENTS_DEFERRED, "29 partitions expire only under ...");
        Verdict v = PartitionVerdict.passed(Mode.APPLY, TableClaim.whole(), PartitionVerdict.Pass.of("noetl.metric",
                SUMMARY).withFindings(List.of(deferred)).withHeld(new PartitionVerdict.Held(Optional.of(seen), 0, 0,
                        29, 10)), TIMING);
        assertEquals("True Maintained", VerdictText.mark(v.ready()));
        assertEquals("True RetirementsDeferred", VerdictText.mark(v.degraded()));
        assertEquals(List.of("Warning RetentionShortened"), VerdictText.events(v));
        assertEquals("spec.retention shortened from 30d to 1d: 29 partitions expire under it and are kept until "
                + "2026-11-21T11:00:00Z (spec.retentionChangeGrace 1h); set spec.retention back to 30d before then to "
                + "keep them", v.events().get(0).message());

        // a shortening that retires nothing yet is said without a warning; a later pass says nothing more
        Verdict quiet = PartitionVerdict.passed(Mode.DRY_RUN, TableClaim.whole(), PartitionVerdict.Pass.of(
                "noetl.metric", SUMMARY).withHeld(new PartitionVerdict.Held(Optional.of(seen), 0, 0, 0, 10)), TIMING);
        assertEquals(List.of("Normal RetentionShortened"), VerdictText.events(quiet));
        RetentionGrace.Decision still = RetentionGrace.decide(Optional.of(Duration.ofDays(1)), Duration.ofHours(1),
                seen.memory(), NOW.plusSeconds(600));
        assertEquals(List.of(), VerdictText.events(PartitionVerdict.passed(Mode.APPLY, TableClaim.whole(), PartitionVerdict.Pass
                .of("noetl.metric", SUMMARY).withHeld(new PartitionVerdict.Held(Optional.of(still), 0, 0, 29, 10)),
                TIMING)));
    }

    @Test
    void whenItTakesEffectTheRetirementsOverTheLimitAreLeftForLaterPassesAndSaidSo() {
        RetentionGrace.Decision seen = RetentionGrace.decide(Optional.of(Duration.ofDays(1)), Duration.ofHours(1),
                inForce("30d"), NOW);
        RetentionGrace.Decision effective = RetentionGrace.decide(Optional.of(Duration.ofDays(1)),
                Duration.ofHours(1), seen.memory(), NOW.plus(Duration.ofHours(1)));
        List<PlannedAction> drops = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            drops.add(new PlannedAction.DropPartition("metric_2026_10_" + (22 + i), new KeyRange((long) i, i + 1L),
                    "past retention"));
        }
        Verdict v = PartitionVerdict.passed(Mode.APPLY, TableClaim.whole(), PartitionVerdict.Pass.of("noetl.metric",
                SUMMARY).withPending(10).withApplied(drops).withFindings(List.of(new Finding(
                        Reason.RETIREMENTS_DEFERRED, "19 partitions past retention are over ...")))
                .withHeld(new PartitionVerdict.Held(Optional.of(effective), 10, 19, 0, 10)), TIMING);
        List<String> events = VerdictText.events(v);
        assertEquals("Normal RetentionChangeInForce", events.get(0));
        assertEquals(1, events.stream().filter("Normal DropPartition"::equals).count(), "one Event for the ten drops");
        assertEquals("10 partitions: " + String.join(", ", drops.stream().map(PlannedAction::partition).toList())
                + ": past retention", v.events().stream().filter(n -> n.reason().equals("DropPartition"))
                        .findFirst().orElseThrow().message());
        assertEquals("Normal RetirementsDeferred", events.get(events.size() - 1));
        assertEquals("spec.retention 1d, shortened from 30d, is in force (seen at 2026-11-21T10:00:00Z, "
                + "spec.retentionChangeGrace 1h): 29 partitions are past it, retired 10 a pass, oldest first",
                v.events().get(0).message());
        assertEquals("10 retired in this pass, 19 more past retention wait for later passes "
                + "(spec.maxRetirementsPerPass 10)", v.events().get(events.size() - 1).message());
        assertEquals("True RetirementsDeferred", VerdictText.mark(v.degraded()));

        // in a dry run nothing is retired, so nothing is said to wait for later passes
        Verdict dry = PartitionVerdict.passed(Mode.DRY_RUN, TableClaim.whole(), PartitionVerdict.Pass.of(
                "noetl.metric", SUMMARY).withPending(10).withHeld(new PartitionVerdict.Held(Optional.empty(), 10, 19, 0,
                        10)), TIMING);
        assertEquals(List.of(), VerdictText.events(dry));
    }

    @Test
    void settingTheRetentionBackWithinTheGraceIsSaid() {
        RetentionGrace.Decision seen = RetentionGrace.decide(Optional.of(Duration.ofDays(1)), Duration.ofHours(1),
                inForce("30d"), NOW);
        RetentionGrace.Decision back = RetentionGrace.decide(Optional.of(Duration.ofDays(30)), Duration.ofHours(1),
                seen.memory(), NOW.plusSeconds(60));
        Verdict v = PartitionVerdict.passed(Mode.APPLY, TableClaim.whole(), PartitionVerdict.Pass.of("noetl.metric",
                SUMMARY).withHeld(new PartitionVerdict.Held(Optional.of(back), 0, 0, 0, 10)), TIMING);
        assertEquals(List.of("Normal RetentionChangeWithdrawn"), VerdictText.events(v));
        assertEquals("spec.retention is 30d: the shortened retention 1d seen at 2026-11-21T10:00:00Z is withdrawn; "
                + "nothing was retired for it", v.events().get(0).message());
        assertEquals("False AsExpected", VerdictText.mark(v.degraded()));
    }

    private static boolean failed(Outcome outcome) {
        return outcome == Outcome.STOPPED || outcome == Outcome.COULD_NOT_RUN || outcome == Outcome.INVALID_SPEC;
    }

    private static Verdict verdict(Mode mode, TableClaim claim, Outcome outcome) {
        PartitionVerdict.Pass pass = PartitionVerdict.Pass.of("noetl.metric", SUMMARY);
        return switch (outcome) {
            case NOTHING_TO_DO -> PartitionVerdict.passed(mode, claim, pass, TIMING);
            case PENDING -> PartitionVerdict.passed(mode, claim, pass.withPending(2), TIMING);
            case PLANNER_FINDINGS -> PartitionVerdict.passed(mode, claim, pass.withFindings(List.of(COLLISION,
                    new Finding(Reason.PLAN_TRUNCATED, "more than 1000 partitions"))).withDefaultRows(3), TIMING);
            case DEFAULT_ROWS -> PartitionVerdict.passed(mode, claim, pass.withDefaultRows(3), TIMING);
            case APPLIED -> PartitionVerdict.passed(mode, claim, pass.withPending(1).withApplied(List.of(CREATE)),
                    TIMING);
            case BOOTSTRAPPED -> PartitionVerdict.passed(mode, claim, pass.withPending(1).withBootstrapped(true)
                    .withApplied(List.of(CREATE)), TIMING);
            case STOPPED -> PartitionVerdict.passed(mode, claim, pass.withPending(2).withApplied(List.of(CREATE))
                    .withStopped(Optional.of(new PartitionVerdict.Stop(Reason.LOCK_TIMEOUT,
                            "CreatePartition metric_2026_11_30: lock not granted"))), TIMING);
            case COULD_NOT_RUN -> PartitionVerdict.failed(Reason.DATABASE_UNREACHABLE, "connection refused",
                    PartitionVerdict.Timing.afterFailure(NOW, RETRY));
            case INVALID_SPEC -> PartitionVerdict.rejected(Reason.INVALID_SPEC, "spec.interval: no such interval");
        };
    }

    @Test
    void appliedActionsMakeOneEventPerKindNamingEachPartitionWithItsReason() {
        PlannedAction today = new PlannedAction.CreatePartition("metric_2026_11_21", new Window(1L, 2L),
                "current interval");
        PlannedAction ahead1 = new PlannedAction.CreatePartition("metric_2026_11_22", new Window(2L, 3L),
                "kept ready ahead");
        PlannedAction ahead2 = new PlannedAction.CreatePartition("metric_2026_11_23", new Window(3L, 4L),
                "kept ready ahead");
        PlannedAction drop = new PlannedAction.DropPartition("metric_2026_10_20", new KeyRange(0L, 1L),
                "past retention");
        List<Verdict.Notice> notices = PartitionVerdict.appliedNotices(List.of(today, ahead1, drop, ahead2));
        assertEquals(List.of(Verdict.Notice.normal("CreatePartition", "3 partitions: metric_2026_11_21: current "
                + "interval; metric_2026_11_22, metric_2026_11_23: kept ready ahead"),
                Verdict.Notice.normal("DropPartition", "metric_2026_10_20: past retention")), notices);

        // a message stays under the cap; the partitions past it are counted
        List<PlannedAction> many = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            many.add(new PlannedAction.DropPartition("metric_partition_number_" + i, new KeyRange((long) i, i + 1L),
                    "past retention"));
        }
        String message = PartitionVerdict.appliedNotices(many).get(0).message();
        assertTrue(message.length() <= PartitionVerdict.NOTICE_MESSAGE_CAP + 20, message);
        assertTrue(message.startsWith("200 partitions: metric_partition_number_0, "), message);
        int named = message.split(", ").length - 1; // the last piece is the count
        assertTrue(message.endsWith("… and " + (200 - named) + " more"), message);
    }
}
