package io.stickylb.config;

import java.time.Duration;

/**
 * Client-side limits with safe defaults: request line (414), header size and count (431), body size (413, 0 = no
 * limit), time to receive a request head (408), client keep-alive idle time, concurrent client connections, and
 * requests allowed to wait for one backend's connections (503).
 */
public record LimitsConfig(
        int maxRequestLine,
        int maxHeaderSize,
        int maxHeaderCount,
        long maxBodySize,
        Duration headerTimeout,
        Duration clientIdleTimeout,
        int maxConnections,
        int maxPendingPerBackend) {

    public static final LimitsConfig DEFAULTS = new LimitsConfig(8192, 16384, 100, 0,
            Duration.ofSeconds(10), Duration.ofSeconds(60), 10_000, 1024);

    public LimitsConfig {
        positive("max-request-line", maxRequestLine);
        positive("max-header-size", maxHeaderSize);
        positive("max-header-count", maxHeaderCount);
        positive("max-connections", maxConnections);
        positive("max-pending-per-backend", maxPendingPerBackend);
        if (maxBodySize < 0) {
            throw new IllegalArgumentException("max-body-size: " + maxBodySize + " (expected: >= 0, 0 = no limit)");
        }
        headerTimeout = Durations.requirePositive("header-timeout", headerTimeout);
        clientIdleTimeout = Durations.requirePositive("idle-timeout", clientIdleTimeout);
    }

    /** The same limits with another {@code max-connections}. */
    public LimitsConfig withMaxConnections(int newMaxConnections) {
        return new LimitsConfig(maxRequestLine, maxHeaderSize, maxHeaderCount, maxBodySize, headerTimeout,
                clientIdleTimeout, newMaxConnections, maxPendingPerBackend);
    }

    /** The same limits with another {@code max-pending-per-backend}. */
    public LimitsConfig withMaxPendingPerBackend(int newMaxPendingPerBackend) {
        return new LimitsConfig(maxRequestLine, maxHeaderSize, maxHeaderCount, maxBodySize, headerTimeout,
                clientIdleTimeout, maxConnections, newMaxPendingPerBackend);
    }

    private static void positive(String key, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + ": " + value + " (expected: > 0)");
        }
    }
}
