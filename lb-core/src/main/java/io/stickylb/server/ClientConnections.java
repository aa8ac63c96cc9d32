package io.stickylb.server;

import java.math.BigDecimal;
import java.net.SocketAddress;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener's count of open client connections against {@code limits.max-connections}: admits or refuses each
 * accepted connection and counts both for the metrics. A flood of refusals does not flood the log: the first is
 * logged with the client's address, the rest as one summary per interval (10 s).
 */
final class ClientConnections {

    private static final Logger log = LoggerFactory.getLogger(ClientConnections.class);
    static final long WARNING_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final AtomicInteger open = new AtomicInteger();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final long intervalNanos;
    private final LongSupplier nanoTime;

    // Guarded by this: refusals are rare next to requests, and come in bursts on every event loop at once.
    private long lastWarning;
    private boolean warnedYet;
    private long unreported;
    private boolean summaryDue;
    private int lastLimit;

    ClientConnections() {
        this(WARNING_INTERVAL_NANOS, System::nanoTime);
    }

    /** With another summary interval and clock, for tests. */
    ClientConnections(long intervalNanos, LongSupplier nanoTime) {
        this.intervalNanos = intervalNanos;
        this.nanoTime = nanoTime;
    }

    /** Admits one more connection if fewer than {@code limit} are open; the caller must call {@link #closed} later. */
    boolean tryOpen(int limit) {
        if (open.incrementAndGet() > limit) {
            open.decrementAndGet();
            return false;
        }
        accepted.increment();
        return true;
    }

    void closed() {
        open.decrementAndGet();
    }

    /**
     * Counts a refused connection and logs it, or leaves it to the summary that {@code scheduler} (the refusing
     * connection's event loop) runs at the end of the interval.
     */
    void refused(SocketAddress from, int limit, ScheduledExecutorService scheduler) {
        refused.increment();
        long now = nanoTime.getAsLong();
        boolean warnNow = false;
        long summaryIn = -1;
        synchronized (this) {
            lastLimit = limit;
            if (!summaryDue && (!warnedYet || now - lastWarning >= intervalNanos)) {
                warnedYet = true;
                lastWarning = now;
                warnNow = true;
            } else {
                unreported++;
                if (!summaryDue) {
                    summaryDue = true;
                    summaryIn = Math.max(0, lastWarning + intervalNanos - now);
                }
            }
        }
        if (warnNow) {
            log.warn("refusing connection from {}: max-connections ({}) reached; further refusals are counted in "
                    + "stickylb_client_connections_refused_total and summarised here every {} s", from, limit,
                    intervalSeconds());
        } else if (summaryIn >= 0) {
            scheduler.schedule(this::summarise, summaryIn, TimeUnit.NANOSECONDS);
        }
    }

    private void summarise() {
        long count;
        int limit;
        synchronized (this) {
            summaryDue = false;
            count = unreported;
            limit = lastLimit;
            unreported = 0;
            lastWarning = nanoTime.getAsLong();
        }
        if (count > 0) {
            log.warn("refused {} more connection{} in the last {} s: max-connections ({}) reached", count,
                    count == 1 ? "" : "s", intervalSeconds(), limit);
        }
    }

    private String intervalSeconds() {
        return BigDecimal.valueOf(intervalNanos, 9).stripTrailingZeros().toPlainString();
    }

    int open() {
        return open.get();
    }

    long accepted() {
        return accepted.sum();
    }

    long refused() {
        return refused.sum();
    }
}
