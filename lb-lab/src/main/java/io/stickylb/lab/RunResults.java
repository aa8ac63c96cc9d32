package io.stickylb.lab;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/** Turns a finished {@link RunRecorder} into a {@link RunResult}: shares, imbalance, percentiles, per-fault numbers. */
final class RunResults {

    private RunResults() {
    }

    /**
     * @param initial     how many backends the pool starts with (the steady window's backends)
     * @param backends    how many backends took part (including added ones)
     * @param retries     per-backend retry counts from the proxy's statistics
     * @param elapsedNanos how long the load ran (shorter than planned after Ctrl-C)
     */
    static RunResult of(StrategySpec strategy, RunRecorder r, int initial, int backends, long[] retries, long unsent,
            long elapsedNanos, boolean interrupted) {
        double measuredSeconds = Math.max(1e-9, (Math.min(elapsedNanos, r.durationNanos) - r.warmupNanos) / 1e9);
        long measured = sum(r.total);
        long steadyTotal = sum(r.steady);
        List<RunResult.BackendResult> perBackend = new ArrayList<>();
        for (int b = 0; b < backends; b++) {
            Histogram h = r.latency[b];
            perBackend.add(new RunResult.BackendResult("b" + (b + 1), r.total[b], ratio(r.total[b], measured),
                    r.steady[b], ratio(r.steady[b], steadyTotal), r.inFlightPeak[b], r.createdOn[b],
                    ms(h, 50), ms(h, 99), ms(h, 99.9), b < retries.length ? retries[b] : 0));
        }
        // Every backend of the starting pool counts, also one that got nothing: that is the worst imbalance.
        double[] steadyLoad = Arrays.stream(r.steady).limit(initial).asDoubleStream().toArray();
        boolean memory = strategy.sessionStore() == SessionStore.MEMORY;
        List<RunResult.EventResult> events = new ArrayList<>();
        long expected = 0;
        for (FaultTracker f : r.faults) {
            long exp = memory && f.losesSessions() ? f.pinnedReturned : 0;
            expected += exp;
            events.add(new RunResult.EventResult(f.event.label(), f.event.action().yamlName(),
                    f.event.backend() >= 0 ? "b" + (f.event.backend() + 1) : null, f.firedNanos / 1e9,
                    f.downAfterNanos < 0 ? null : round(f.downAfterNanos / 1e6), f.pinnedCount, exp, f.pinnedLost,
                    f.lostAfter, f.returned, f.moved, ratio(f.moved, f.returned)));
        }
        String window = String.format(java.util.Locale.ROOT, "%.1fs-%.1fs", r.warmupNanos / 1e9,
                Math.min(r.steadyEndNanos, Math.min(elapsedNanos, r.durationNanos)) / 1e9);
        List<String> ids = new ArrayList<>();
        long[][] timeline = new long[backends][];
        for (int b = 0; b < backends; b++) {
            ids.add("b" + (b + 1));
            timeline[b] = r.perSecond[b].clone();
        }
        Map<String, Long> errors = new TreeMap<>(r.errorsByKind);
        long errorCount = errors.values().stream().mapToLong(Long::longValue).sum();
        return new RunResult(strategy.name(), strategy.describe(), strategy.sessionStore().yamlName(), interrupted,
                round(measuredSeconds), measured + errorCount, errorCount, errors, unsent,
                round((measured + errorCount) / measuredSeconds), round(maxOverMean(steadyLoad)),
                round(cov(steadyLoad)),
                window, affinity(r.affine, r.withSession), r.withSession,
                r.affine, r.sessionsCreated, r.sessionsLost, expected, ms(r.overall, 50), ms(r.overall, 99),
                ms(r.overall, 99.9), round(r.overall.getMaxValue() / 1000.0), sum(retries), perBackend, events,
                new RunResult.Timeline(ids, timeline, r.lostPerSecond.clone(), r.errorsPerSecond.clone()));
    }

    static double maxOverMean(double[] load) {
        if (load.length == 0) {
            return 0;
        }
        double mean = Arrays.stream(load).average().orElse(0);
        return mean == 0 ? 0 : Arrays.stream(load).max().orElse(0) / mean;
    }

    /** Coefficient of variation: population standard deviation over the mean. */
    static double cov(double[] load) {
        if (load.length == 0) {
            return 0;
        }
        double mean = Arrays.stream(load).average().orElse(0);
        if (mean == 0) {
            return 0;
        }
        double var = Arrays.stream(load).map(v -> (v - mean) * (v - mean)).sum() / load.length;
        return Math.sqrt(var) / mean;
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : round(h.getValueAtPercentile(percentile) / 1000.0);
    }

    /** Null when no request carried a session: the outputs then say "n/a" instead of a misleading 0 %. */
    static Double affinity(long affine, long withSession) {
        return withSession == 0 ? null : round((double) affine / withSession);
    }

    /** The affinity ratio as a percentage with one decimal, or "n/a" (see {@link #affinity}). */
    static String affinityPercent(Double ratio, String suffix) {
        return ratio == null ? "n/a" : String.format(java.util.Locale.ROOT, "%.1f", 100 * ratio) + suffix;
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0 : (double) a / b;
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static long sum(long[] a) {
        long s = 0;
        for (long v : a) {
            s += v;
        }
        return s;
    }
}
