package io.stickylb.config;

import java.time.Duration;

/**
 * Passive outlier detection: {@code consecutiveFailures} failures seen on real traffic eject a backend for
 * {@code ejectionTime}, doubling per repeat up to {@code maxEjectionTime}; at most {@code maxEjectionPercent} of a
 * pool is ejected at once. {@code failOn5xx} also counts 5xx answers as failures.
 */
public record PassiveHealthConfig(
        boolean enabled, int consecutiveFailures, Duration ejectionTime, Duration maxEjectionTime,
        int maxEjectionPercent, boolean failOn5xx) {

    public static final PassiveHealthConfig DEFAULTS =
            new PassiveHealthConfig(true, 5, Duration.ofSeconds(10), Duration.ofMinutes(5), 50, false);

    public PassiveHealthConfig {
        ejectionTime = Durations.requirePositive("ejection-time", ejectionTime);
        maxEjectionTime = Durations.requirePositive("max-ejection-time", maxEjectionTime);
        if (consecutiveFailures < 1 || consecutiveFailures > 1000) {
            throw new IllegalArgumentException("consecutive-failures: " + consecutiveFailures + " (expected: 1..1000)");
        }
        if (maxEjectionPercent < 0 || maxEjectionPercent > 100) {
            throw new IllegalArgumentException("max-ejection-percent: " + maxEjectionPercent + " (expected: 0..100)");
        }
    }
}
