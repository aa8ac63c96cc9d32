package io.stickylb.config;

import java.time.Duration;

/**
 * Per-pool timeouts: {@code connect} to open a backend connection, {@code response} from the end of the request
 * until the response head arrives (504 when exceeded), {@code idle} for an idle pooled backend connection and
 * for a stalled response body.
 */
public record TimeoutConfig(Duration connect, Duration response, Duration idle) {

    public static final TimeoutConfig DEFAULTS =
            new TimeoutConfig(Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofSeconds(60));

    public TimeoutConfig {
        connect = Durations.requirePositive("connect", connect);
        response = Durations.requirePositive("response", response);
        idle = Durations.requirePositive("idle", idle);
    }
}
