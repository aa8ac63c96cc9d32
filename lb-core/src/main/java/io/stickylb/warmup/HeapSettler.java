package io.stickylb.warmup;

import java.lang.management.ManagementFactory;
import java.lang.management.RuntimeMXBean;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects the heap once, after start-up and the JIT warm-up, so that what they leave behind for good (config, pools,
 * metrics, class data: several megabytes) moves to the old generation at once. Left in the young generation, it would
 * be copied again by every young collection until old enough to be promoted: young pauses of 17–60 ms instead of 3–8
 * on the noisy benchmark VM, in the first minute of serving (docs/benchmarks.md, <em>Young pauses after start-up</em>).
 */
public final class HeapSettler {

    private static final Logger log = LoggerFactory.getLogger(HeapSettler.class);

    private HeapSettler() {
    }

    /**
     * Runs one full collection and logs how long it took; empty when the JVM ignores explicit collections
     * ({@code -XX:+DisableExplicitGC}), in which case nothing is done.
     */
    public static Optional<Duration> settle() {
        if (explicitGcDisabled()) {
            log.info("heap not settled after the warm-up: the JVM runs with -XX:+DisableExplicitGC");
            return Optional.empty();
        }
        long start = System.nanoTime();
        System.gc();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        log.info("heap settled after the warm-up: one full collection in {} ms moved start-up's long-lived objects "
                + "out of the young generation", took.toMillis());
        return Optional.of(took);
    }

    private static boolean explicitGcDisabled() {
        RuntimeMXBean runtime = ManagementFactory.getRuntimeMXBean();
        List<String> args = runtime.getInputArguments();
        return args.lastIndexOf("-XX:+DisableExplicitGC") > args.lastIndexOf("-XX:-DisableExplicitGC");
    }
}
