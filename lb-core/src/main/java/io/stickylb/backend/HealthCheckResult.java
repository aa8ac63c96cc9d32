package io.stickylb.backend;

/** The outcome of one active health check: passed or not, why, when (epoch millis) and how long it took. */
public record HealthCheckResult(boolean passed, String detail, long atMillis, long durationMicros) {
}
