package io.stickylb.metrics;

import io.stickylb.routing.AffinityOutcome;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one backend, updated from any event loop without locks (LongAdder): requests, responses by status
 * class, errors by kind, affinity outcomes, retries and connections opened.
 */
public final class BackendStats {

    public final LongAdder requests = new LongAdder();
    public final LongAdder retries = new LongAdder();
    public final LongAdder connectionsOpened = new LongAdder();
    /** Requests that had to wait for a connection because the backend's connects in flight were at their limit. */
    public final LongAdder queued = new LongAdder();
    /** Of those, the ones that waited the connect timeout without getting one (answered 503). */
    public final LongAdder queueTimeouts = new LongAdder();
    /** Failed lookups of the backend's host name (one per refresh round while it fails). */
    public final LongAdder lookupFailures = new LongAdder();
    public final LongAdder healthChecksPassed = new LongAdder();
    public final LongAdder healthChecksFailed = new LongAdder();
    public final LongAdder ejections = new LongAdder();
    /** Duration of the last active health check in microseconds. */
    public volatile long lastCheckMicros;
    public final LongAdder bytesIn = new LongAdder();
    public final LongAdder bytesOut = new LongAdder();
    /** Pooled idle connections to this backend over all event loops. */
    public final AtomicInteger idleConnections = new AtomicInteger();
    /** Open WebSocket tunnels to this backend (each also counts as one request in flight). */
    public final AtomicInteger openTunnels = new AtomicInteger();
    private volatile io.micrometer.core.instrument.Timer latency;
    private final LongAdder[] statusClasses = adders(6);
    private final LongAdder[] errors = adders(ErrorKind.values().length);
    private final LongAdder[] affinity = adders(AffinityOutcome.values().length);

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    /** Attaches the latency timer the metrics registry created for this backend. */
    public void latencyTimer(io.micrometer.core.instrument.Timer timer) {
        this.latency = timer;
    }

    /** Records the time from dispatch to the end of the response. */
    public void recordLatency(long nanos) {
        io.micrometer.core.instrument.Timer t = latency;
        if (t != null) {
            t.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    /** Counts a response relayed to the client with this status. */
    public void response(int status) {
        int cls = status / 100;
        statusClasses[cls >= 1 && cls <= 5 ? cls : 0].increment();
    }

    /** Responses with status {@code cls}xx (1..5). */
    public long responses(int cls) {
        return statusClasses[cls].sum();
    }

    public void error(ErrorKind kind) {
        errors[kind.ordinal()].increment();
    }

    public long errors(ErrorKind kind) {
        return errors[kind.ordinal()].sum();
    }

    public long errorsTotal() {
        long sum = 0;
        for (LongAdder a : errors) {
            sum += a.sum();
        }
        return sum;
    }

    private static final long NEVER = Long.MIN_VALUE;
    private static final AtomicLongFieldUpdater<BackendStats> LAST_STICKY_HIT =
            AtomicLongFieldUpdater.newUpdater(BackendStats.class, "lastStickyHitNanos");
    /** {@link System#nanoTime} of the last sticky hit, or {@link #NEVER}. */
    private volatile long lastStickyHitNanos = NEVER;

    /** Counts an affinity outcome now (tests and tools; the proxy passes the clock reading it already has). */
    public void countAffinity(AffinityOutcome outcome) {
        countAffinity(outcome, System.nanoTime());
    }

    /** Counts the affinity outcome of a request that finished at {@code nowNanos} ({@link System#nanoTime}). */
    public void countAffinity(AffinityOutcome outcome, long nowNanos) {
        affinity[outcome.ordinal()].increment();
        if (outcome == AffinityOutcome.HIT) {
            // An ordered store rather than a volatile one: only the admin API reads it, and every sticky hit writes.
            LAST_STICKY_HIT.lazySet(this, nowNanos);
        }
    }

    /** Wall-clock time of the last request that reached this backend through its affinity (0 = never). */
    public long lastStickyHitMillis() {
        long at = lastStickyHitNanos;
        return at == NEVER ? 0 : System.currentTimeMillis() - (System.nanoTime() - at) / 1_000_000;
    }

    public long affinity(AffinityOutcome outcome) {
        return affinity[outcome.ordinal()].sum();
    }
}
