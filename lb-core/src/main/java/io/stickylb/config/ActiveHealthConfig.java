package io.stickylb.config;

import java.time.Duration;

/**
 * Active health checks: an HTTP GET of {@code path} (or a plain TCP connect when {@code type} is TCP) every
 * {@code interval}, failing after {@code timeout}; {@code rise}/{@code fall} consecutive results change the state.
 */
public record ActiveHealthConfig(
        Type type, String path, Duration interval, Duration timeout, int rise, int fall,
        int expectMin, int expectMax, String host, Duration jitter) {

    /** What a check does. */
    public enum Type { HTTP, TCP }

    public static final ActiveHealthConfig DEFAULTS = new ActiveHealthConfig(Type.HTTP, "/health",
            Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 2, 200, 399, null, Duration.ofMillis(100));

    public ActiveHealthConfig {
        interval = Durations.requirePositive("interval", interval);
        timeout = Durations.requirePositive("timeout", timeout);
        jitter = Durations.requireNonNegative("jitter", jitter);
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("path: '" + path + "' (expected to start with /)");
        }
        if (rise < 1 || rise > 100) {
            throw new IllegalArgumentException("rise: " + rise + " (expected: 1..100)");
        }
        if (fall < 1 || fall > 100) {
            throw new IllegalArgumentException("fall: " + fall + " (expected: 1..100)");
        }
        if (expectMin < 100 || expectMax > 599 || expectMin > expectMax) {
            throw new IllegalArgumentException("expect: " + expectMin + "-" + expectMax
                    + " (expected: a range within 100-599)");
        }
    }
}
