package io.stickylb.proxy;

import io.netty.handler.codec.http.HttpMethod;
import io.stickylb.config.RetryConfig;
import io.stickylb.metrics.ErrorKind;

/**
 * Decides whether a failed attempt may be tried again on another backend. A connect failure never reached a backend,
 * so any method may be retried; after the request was sent, only idempotent methods (RFC 9110 §9.2.2) whose body has
 * not started streaming, unless the pool allows non-idempotent retries.
 */
final class RetryPolicy {

    private RetryPolicy() {
    }

    static boolean isIdempotent(HttpMethod m) {
        return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS || m == HttpMethod.PUT
                || m == HttpMethod.DELETE || m == HttpMethod.TRACE
                || m.name().equals("GET") || m.name().equals("HEAD") || m.name().equals("OPTIONS")
                || m.name().equals("PUT") || m.name().equals("DELETE") || m.name().equals("TRACE");
    }

    /**
     * True when attempt number {@code attempts} (1-based, just failed) may be followed by another. {@code bodyHeld}:
     * every body byte sent so far is still held for a replay (or none was sent).
     */
    static boolean mayRetry(RetryConfig config, ErrorKind kind, HttpMethod method, boolean bodyHeld, int attempts) {
        if (attempts > config.retries()) {
            return false;
        }
        return switch (kind) {
            case CONNECT -> config.retryOn().contains("connect-failure") && bodyHeld;
            case RESET -> config.retryOn().contains("reset") && replayable(config, method, bodyHeld);
            case TIMEOUT -> config.retryOn().contains("timeout") && replayable(config, method, bodyHeld);
            default -> false;
        };
    }

    /** True when a backend's answer with this status should be retried elsewhere (e.g. {@code retry-on: [503]}). */
    static boolean mayRetryStatus(RetryConfig config, int status, HttpMethod method, boolean bodyHeld, int attempts) {
        return attempts <= config.retries() && config.retriesStatus(status) && replayable(config, method, bodyHeld);
    }

    /** A request can be sent again when its whole body so far is held and repeating it is safe. */
    static boolean replayable(RetryConfig config, HttpMethod method, boolean bodyHeld) {
        return bodyHeld && (isIdempotent(method) || config.retryNonIdempotent());
    }
}
