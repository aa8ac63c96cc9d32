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

    /** The most {@code consecutive-failures} a config may ask for. */
    public static final int MAX_CONSECUTIVE_FAILURES = 1000;

    public static final PassiveHealthConfig DEFAULTS =
            new PassiveHealthConfig(true, 5, Duration.ofSeconds(10), Duration.ofMinutes(5), 50, false);

    public PassiveHealthConfig {
        ejectionTime = Durations.requirePositive("ejection-time", ejectionTime);
        maxEjectionTime = Durations.requirePositive("max-ejection-time", maxEjectionTime);
        if (consecutiveFailures < 1 || consecutiveFailures > MAX_CONSECUTIVE_FAILURES) {
            throw new IllegalArgumentException("consecutive-failures: " + consecutiveFailures + " (expected: 1.."
                    + MAX_CONSECUTIVE_FAILURES + ")");
        }
        if (maxEjectionPercent < 0 || maxEjectionPercent > 100) {
            throw new IllegalArgumentException("max-ejection-percent: " + maxEjectionPercent + " (expected: 0..100)");
        }
    }

    /** The same checks with another {@code consecutive-failures}. */
    public PassiveHealthConfig withConsecutiveFailures(int failures) {
        return new PassiveHealthConfig(enabled, failures, ejectionTime, maxEjectionTime, maxEjectionPercent, failOn5xx);
    }
}
