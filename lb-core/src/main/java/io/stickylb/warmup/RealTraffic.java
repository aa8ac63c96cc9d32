package io.stickylb.warmup;

import io.stickylb.backend.Backend;
import io.stickylb.server.LoadBalancer;
import java.util.concurrent.TimeUnit;

/**
 * Whether the warmed instance has started serving real traffic: more than {@value #YIELD_REQUESTS} requests to its
 * backends per pulse (about 45 ms, so a few hundred requests a second) since the last look, which between bursts
 * may be longer ago than a pulse. A health check or a readiness probe stays well below that and leaves the
 * warm-up running.
 */
final class RealTraffic {
    static final long YIELD_REQUESTS = 20;
    private static final long PULSE_NANOS =
            TimeUnit.MILLISECONDS.toNanos(JitWarmup.PULSE_EVERY_MILLIS + JitWarmup.PULSE_IDLE_MILLIS);
    private final LoadBalancer host;
    private long seen;
    private long lookedAt = System.nanoTime();

    RealTraffic(LoadBalancer host) {
        this.host = host;
        this.seen = requests();
    }

    /** True when more real requests arrived since the last look than a pulse's share allows. */
    boolean arrived() {
        long now = requests();
        long at = System.nanoTime();
        long pulses = Math.max(1, (at - lookedAt) / PULSE_NANOS);
        boolean arrived = now - seen > YIELD_REQUESTS * pulses;
        seen = now;
        lookedAt = at;
        return arrived;
    }

    /** Requests the warmed instance's backends were sent so far (0 without one). */
    long requests() {
        if (host == null) {
            return 0;
        }
        long sum = 0;
        for (Backend b : host.upstreams().allBackends()) {
            sum += b.stats().requests.sum();
        }
        return sum;
    }
}
