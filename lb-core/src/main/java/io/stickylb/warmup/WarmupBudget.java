package io.stickylb.warmup;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The request and time budget {@link JitWarmup}'s clients share, what they report into it, and the pauses that leave
 * the event loops idle.
 */
final class WarmupBudget {
    final long deadlineNanos;
    private final long maxRequests;
    final AtomicLong served = new AtomicLong();
    final AtomicLong resets = new AtomicLong();
    final AtomicLong earlyCloses = new AtomicLong();
    final AtomicLong closes = new AtomicLong();
    final AtomicLong resetsAfterAnswer = new AtomicLong();
    final AtomicLong races = new AtomicLong();
    final AtomicLong pulses = new AtomicLong();
    final AtomicLong withCookies = new AtomicLong();
    final AtomicLong withAffinityCookies = new AtomicLong();
    final AtomicLong bursts = new AtomicLong();
    private volatile boolean paused;
    volatile boolean quiet;
    volatile boolean yielded;
    volatile long backendRequests;
    private volatile boolean stopped;
    volatile String failure;

    WarmupBudget(long deadlineNanos, long maxRequests) {
        this.deadlineNanos = deadlineNanos;
        this.maxRequests = maxRequests;
    }

    /** Waits out a pause; false when the budget is spent. */
    boolean next() {
        while (paused && !stopped) {
            LockSupport.parkNanos(200_000);
        }
        return !stopped && served.get() < maxRequests && System.nanoTime() < deadlineNanos;
    }

    void served() {
        served.incrementAndGet();
    }

    void leftEarly(boolean reset) {
        (reset ? resets : earlyCloses).incrementAndGet();
    }

    void closed(boolean reset) {
        (reset ? resetsAfterAnswer : closes).incrementAndGet();
    }

    /** A {@link ResetRace}; {@code exact} when the loops were held while the reset and the answer arrived. */
    void raced(boolean exact) {
        if (exact) {
            races.incrementAndGet();
        }
    }

    void burst(int answered) {
        served.addAndGet(answered);
        bursts.incrementAndGet();
    }

    void sentCookies() {
        withCookies.incrementAndGet();
    }

    void sentAffinityCookies() {
        withAffinityCookies.incrementAndGet();
    }

    /** The compiler has caught up: the clients finish their current request and stop. */
    void settled() {
        quiet = true;
        stop();
    }

    /** Real traffic is here: the warm-up stops rather than compete with it on the same event loops. */
    void yielded() {
        yielded = true;
        stop();
    }

    void pause(boolean on) {
        paused = on;
    }

    void stop() {
        stopped = true;
    }

    void failed(Exception e) {
        if (failure == null) {
            failure = e.toString();
        }
        stop();
    }
}
