package io.stickylb.config;

import java.util.Set;

/**
 * When a failed request is tried again on another backend: at most {@code retries} more times, for the listed
 * conditions, and for non-idempotent methods only when allowed and the body fits {@code bufferBytes}.
 */
public record RetryConfig(int retries, Set<String> retryOn, boolean retryNonIdempotent, int bufferBytes) {

    /** Conditions accepted in {@code retry-on}: failures before any response byte, or a backend status code. */
    public static final Set<String> CONDITIONS = Set.of("connect-failure", "reset", "timeout");

    public static final RetryConfig DEFAULTS = new RetryConfig(2, Set.of("connect-failure", "reset"), false, 64 * 1024);

    public RetryConfig {
        if (retries < 0 || retries > 10) {
            throw new IllegalArgumentException("retries: " + retries + " (expected: 0..10)");
        }
        retryOn = Set.copyOf(retryOn);
        if (bufferBytes < 0) {
            throw new IllegalArgumentException("retry-buffer: " + bufferBytes + " (expected: >= 0)");
        }
    }

    /** True when a backend answer with this status should be retried (e.g. {@code retry-on: [503]}). */
    public boolean retriesStatus(int status) {
        // Asked on every response: look the status up by a string made once, not one per call.
        return status >= 100 && status < 600 && retryOn.contains(STATUS_TEXT[status - 100]);
    }

    private static final String[] STATUS_TEXT = new String[500];

    static {
        for (int i = 0; i < STATUS_TEXT.length; i++) {
            STATUS_TEXT[i] = Integer.toString(i + 100);
        }
    }
}
