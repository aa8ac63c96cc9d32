package io.stickylb.admin;

import io.stickylb.backend.Backend;
import io.stickylb.config.Durations;
import io.stickylb.routing.AffinityOutcome;
import java.time.Duration;
import java.time.Instant;

/**
 * One backend's drain as {@link DrainTracker} follows it: when it began, its limits, and the sticky requests that
 * still reach the backend, counted per second in a 60-slot ring from the deltas of its affinity-hit counter.
 * Confined to the tracker's lock.
 */
final class Drain {

    private static final int SLOTS = 60;

    private final Backend backend;
    private final Duration untilIdle;
    private final Duration deadline;
    private final Instant startedAt;
    private final long[] perSecond = new long[SLOTS];
    private long lastSecond;
    private long lastHits;
    private Instant lastHitAt;

    Drain(Backend backend, Duration untilIdle, Duration deadline, Instant now) {
        this.backend = backend;
        this.untilIdle = untilIdle;
        this.deadline = deadline;
        this.startedAt = now;
        this.lastSecond = now.getEpochSecond();
        this.lastHits = backend.stats().affinity(AffinityOutcome.HIT);
    }

    Backend backend() {
        return backend;
    }

    /** Reads the hit counter's delta since the last observation into the current second's slot. */
    void observe(Instant now) {
        long second = now.getEpochSecond();
        // Clear the slots of the seconds that passed since the last observation (at most the whole ring).
        for (long s = lastSecond + 1; s <= second && s <= lastSecond + SLOTS; s++) {
            perSecond[Math.floorMod(s, SLOTS)] = 0;
        }
        if (second > lastSecond) {
            lastSecond = second;
        }
        long hits = backend.stats().affinity(AffinityOutcome.HIT);
        long delta = hits - lastHits;
        lastHits = hits;
        if (delta > 0) {
            perSecond[Math.floorMod(lastSecond, SLOTS)] += delta;
            lastHitAt = now;
        }
    }

    long stickyRequestsLastMinute() {
        long sum = 0;
        for (long n : perSecond) {
            sum += n;
        }
        return sum;
    }

    /** How long no sticky request arrived (since the drain began if none did). */
    Duration idleFor(Instant now) {
        Duration d = Duration.between(lastHitAt != null ? lastHitAt : startedAt, now);
        return d.isNegative() ? Duration.ZERO : d;
    }

    /** Why the drain is over, or null while it goes on: the deadline passed, or sticky clients stopped coming. */
    String finishedBecause(Instant now) {
        if (!now.isBefore(startedAt.plus(deadline))) {
            return "deadline " + Durations.format(deadline) + " reached";
        }
        if (idleFor(now).compareTo(untilIdle) >= 0) {
            return "idle for " + Durations.format(untilIdle);
        }
        return null;
    }

    DrainStatus status(Instant now) {
        return new DrainStatus(startedAt, untilIdle, deadline, startedAt.plus(deadline), stickyRequestsLastMinute(),
                idleFor(now));
    }
}
