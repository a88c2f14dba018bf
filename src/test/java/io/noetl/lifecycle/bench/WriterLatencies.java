package io.noetl.lifecycle.bench;

import static io.noetl.lifecycle.bench.BenchSupport.concat;
import static io.noetl.lifecycle.bench.BenchSupport.fmt;
import static io.noetl.lifecycle.bench.BenchSupport.max;
import static io.noetl.lifecycle.bench.BenchSupport.medianD;
import static io.noetl.lifecycle.bench.BenchSupport.pct;
import static io.noetl.lifecycle.bench.BenchSupport.tag;
import static io.noetl.lifecycle.bench.BenchSupport.tags;

import java.util.ArrayList;
import java.util.List;

/**
 * The writers' insert latencies over a benchmark's rounds, each round an idle window before the timed operation, the
 * operation, an idle window before its floor, and the floor: the p99 of each window per round, and all of them.
 */
record WriterLatencies(List<Double> idleP99, List<Double> busyP99, List<Double> floorP99, long[] allIdle,
        long[] allBusy, long[] allFloor) {

    /** @param busy the phase of the timed operation; {@code floor} the floor's; the idle windows are the phase before each */
    static WriterLatencies of(Recorder[] writers, int rounds, int busy, int floor) {
        List<Double> idle = new ArrayList<>();
        List<Double> op = new ArrayList<>();
        List<Double> fl = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            // the idle windows: one before each timed run, the operation's and the floor's
            idle.add(pct(Recorder.latencies(writers, tag(round, busy - 1)), 0.99));
            idle.add(pct(Recorder.latencies(writers, tag(round, floor - 1)), 0.99));
            op.add(pct(Recorder.latencies(writers, tag(round, busy)), 0.99));
            fl.add(pct(Recorder.latencies(writers, tag(round, floor)), 0.99));
        }
        return new WriterLatencies(idle, op, fl, Recorder.latencies(writers, concat(tags(rounds, busy - 1),
                tags(rounds, floor - 1))), Recorder.latencies(writers, tags(rounds, busy)),
                Recorder.latencies(writers, tags(rounds, floor)));
    }

    /** The writers' lines of a summary; {@code name} is the timed operation's ("operator", "rollup"). */
    void print(String name, int writers, long everyMs) {
        String during = "  during %-" + name.length() + "s %s -> median %.2f ms; all: %,d, p50 %.2f, p99 %.2f, "
                + "max %.1f ms%n";
        System.out.printf("%nwriters (%d, one insert each per %d ms into today's partition), p99 per round:%n", writers,
                everyMs);
        System.out.printf("  idle windows %s -> median %.2f ms; all idle writes: %,d, p50 %.2f, p99 %.2f, max %.1f ms%n",
                fmt(idleP99), medianD(idleP99), allIdle.length, pct(allIdle, 0.5), pct(allIdle, 0.99), max(allIdle));
        System.out.printf(during, name, fmt(busyP99), medianD(busyP99), allBusy.length, pct(allBusy, 0.5),
                pct(allBusy, 0.99), max(allBusy));
        System.out.printf(during, "floor", fmt(floorP99), medianD(floorP99), allFloor.length, pct(allFloor, 0.5),
                pct(allFloor, 0.99), max(allFloor));
    }
}
