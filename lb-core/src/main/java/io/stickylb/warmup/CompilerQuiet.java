package io.stickylb.warmup;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;

/**
 * Tells the JIT warm-up when the compiler has caught up: enough requests were served for the request path to cross
 * C2's thresholds, and the JVM's total compilation time then grew by at most {@code maxCompileMillis} over a window of
 * at least {@code windowNanos} and {@code windowRequests} requests. A fixed duration cannot know that: on a slow or
 * shared CPU the compiler needs several times longer, and what it has not compiled by the end is compiled under the
 * first real load, on the cores serving it. The window counts requests too because a rare event that deoptimises a
 * hot method sends it back to the profiling tier, and the compiler is idle until the method is hot again: a window of
 * time alone can fall into that lull.
 */
final class CompilerQuiet {

    private final LongSupplier compileMillis;
    private final long minRequests;
    private final long windowNanos;
    private final long windowRequests;
    private final long maxCompileMillis;
    private long windowStart = Long.MIN_VALUE;
    private long servedAtWindowStart;
    private long compiledAtWindowStart;

    /**
     * {@code compileMillis}: the JVM's total compilation time so far, or null when this JVM does not report it (then
     * only {@code minRequests} counts).
     */
    CompilerQuiet(LongSupplier compileMillis, long minRequests, long windowNanos, long windowRequests,
            long maxCompileMillis) {
        this.compileMillis = compileMillis;
        this.minRequests = minRequests;
        this.windowNanos = windowNanos;
        this.windowRequests = windowRequests;
        this.maxCompileMillis = maxCompileMillis;
    }

    /** Watches this JVM's compiler through its {@link CompilationMXBean}. */
    static CompilerQuiet ofThisJvm(long minRequests, long windowNanos, long windowRequests, long maxCompileMillis) {
        return new CompilerQuiet(compileMillisOfThisJvm(), minRequests, windowNanos, windowRequests, maxCompileMillis);
    }

    /** This JVM's total compilation time so far, in milliseconds; null when the JVM does not report it. */
    static LongSupplier compileMillisOfThisJvm() {
        CompilationMXBean bean = ManagementFactory.getCompilationMXBean();
        return bean != null && bean.isCompilationTimeMonitoringSupported() ? bean::getTotalCompilationTime : null;
    }

    /** Whether the compiler has been quiet for a window, with {@code served} requests answered, at {@code nowNanos}. */
    boolean settled(long served, long nowNanos) {
        if (compileMillis == null) {
            return served >= minRequests;
        }
        long compiled = compileMillis.getAsLong();
        if (windowStart == Long.MIN_VALUE || compiled - compiledAtWindowStart > maxCompileMillis) {
            windowStart = nowNanos;
            servedAtWindowStart = served;
            compiledAtWindowStart = compiled;
            return false;
        }
        return served >= minRequests && nowNanos - windowStart >= windowNanos
                && served - servedAtWindowStart >= windowRequests;
    }
}
