package io.stickylb.sample.capacity;

import java.time.Duration;
import java.util.Objects;
import java.util.SplittableRandom;

/** Draws how long the next request keeps a slot busy before the backend answers it. */
@FunctionalInterface
public interface ServiceTime {

    /** The next service time in nanoseconds, zero or more. */
    long nextNanos();

    /** No service time: answer at once. */
    static ServiceTime none() {
        return () -> 0;
    }

    /** Always {@code duration}. */
    static ServiceTime fixed(Duration duration) {
        long nanos = requireNotNegative(duration).toNanos();
        return () -> nanos;
    }

    /** Exponentially distributed with mean {@code mean}; the same seed gives the same sequence. */
    static ServiceTime exponential(Duration mean, long seed) {
        double meanNanos = requireNotNegative(mean).toNanos();
        SplittableRandom random = new SplittableRandom(seed);
        return () -> {
            double u;
            // SplittableRandom is not thread-safe, and a backend may run several event loops.
            synchronized (random) {
                u = random.nextDouble();
            }
            return Math.round(-meanNanos * Math.log1p(-u));
        };
    }

    /** The model a duration and distribution describe; a zero duration means none. */
    static ServiceTime of(Duration duration, ServiceTimeDistribution distribution, long seed) {
        Objects.requireNonNull(distribution, "distribution");
        if (requireNotNegative(duration).isZero()) {
            return none();
        }
        return distribution == ServiceTimeDistribution.FIXED ? fixed(duration) : exponential(duration, seed);
    }

    private static Duration requireNotNegative(Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException("service time must not be negative: " + d);
        }
        return d;
    }
}
