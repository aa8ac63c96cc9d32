package io.stickylb.config;

import java.time.Duration;

/**
 * Per-pool timeouts: {@code connect} to open a backend connection, {@code response} from the end of the request
 * until the response head arrives (504 when exceeded), {@code idle} for an idle pooled backend connection and
 * for a stalled response body, {@code tunnel} for a WebSocket tunnel with no byte in either direction.
 */
public record TimeoutConfig(Duration connect, Duration response, Duration idle, Duration tunnel) {

    /** A WebSocket usually pings every 30–60 s; an hour of silence means the peer is gone (HAProxy's usual setting). */
    public static final Duration DEFAULT_TUNNEL = Duration.ofHours(1);

    public static final TimeoutConfig DEFAULTS =
            new TimeoutConfig(Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofSeconds(60), DEFAULT_TUNNEL);

    public TimeoutConfig {
        connect = Durations.requirePositive("connect", connect);
        response = Durations.requirePositive("response", response);
        idle = Durations.requirePositive("idle", idle);
        tunnel = Durations.requirePositive("tunnel", tunnel);
    }

    /** The three request timeouts, with the default tunnel timeout. */
    public TimeoutConfig(Duration connect, Duration response, Duration idle) {
        this(connect, response, idle, DEFAULT_TUNNEL);
    }
}
