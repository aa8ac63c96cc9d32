package io.stickylb.admin;

import io.stickylb.backend.AdminState;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.config.Durations;
import io.stickylb.proxy.Upstreams;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A drain that knows when it is done. While a backend is DRAINING, the tracker watches the sticky requests still
 * reaching it and moves it to MAINTENANCE by itself once none came for {@code untilIdle}, or at the {@code deadline}.
 * It ticks once a second on its own scheduler thread (never a request event loop). Enabling a backend or putting it in
 * maintenance cancels its drain; a backend drained by other means (e.g. {@link BackendPool#setState}) is picked up
 * with the default limits.
 *
 * <p>Lock order: the tracker, then a pool. Nothing calls back into the tracker while holding a pool's lock.
 */
public final class DrainTracker implements AutoCloseable {

    public static final Duration DEFAULT_UNTIL_IDLE = Duration.ofMinutes(2);
    public static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(30);

    private static final Logger log = LoggerFactory.getLogger(DrainTracker.class);

    private final Supplier<Upstreams> upstreams;
    private final Clock clock;
    private final Map<Backend, Drain> drains = new IdentityHashMap<>();
    private ScheduledExecutorService scheduler;

    public DrainTracker(Supplier<Upstreams> upstreams, Clock clock) {
        this.upstreams = upstreams;
        this.clock = clock;
    }

    /** Starts ticking every second on a daemon thread of its own. */
    public synchronized DrainTracker start() {
        if (scheduler == null) {
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "stickylb-drain-tracker");
                t.setDaemon(true);
                return t;
            });
            scheduler.scheduleWithFixedDelay(this::safeTick, 1, 1, TimeUnit.SECONDS);
        }
        return this;
    }

    /** Starts draining {@code backend} (or restarts its drain with new limits). */
    public synchronized DrainStatus drain(BackendPool pool, Backend backend, Duration untilIdle, Duration deadline,
            String reason) {
        pool.setAdminState(backend.id(), AdminState.DRAINING, reason);
        Drain d = new Drain(backend, untilIdle, deadline, clock.instant());
        drains.put(backend, d);
        return d.status(clock.instant());
    }

    /** Enables a backend or puts it in maintenance, cancelling its drain if one was tracked. */
    public synchronized void setAdminState(BackendPool pool, Backend backend, AdminState state, String reason) {
        if (state == AdminState.DRAINING) {
            throw new IllegalArgumentException("use drain() to drain a backend");
        }
        drains.remove(backend);
        pool.setAdminState(backend.id(), state, reason);
    }

    /** The drain in progress on {@code backend}, if any. */
    public synchronized Optional<DrainStatus> status(Backend backend) {
        Drain d = drains.get(backend);
        return d == null ? Optional.empty() : Optional.of(d.status(clock.instant()));
    }

    /**
     * One step: picks up drains started elsewhere, forgets those that were cancelled or whose backend was removed,
     * counts sticky requests and finishes the drains that are done.
     */
    public synchronized void tick() {
        Instant now = clock.instant();
        Map<Backend, BackendPool> present = new IdentityHashMap<>();
        for (BackendPool pool : upstreams.get().pools().values()) {
            for (Backend b : pool.backends()) {
                present.put(b, pool);
                if (b.adminState() == AdminState.DRAINING && !drains.containsKey(b)) {
                    log.info("backend {} is draining; it goes to maintenance once idle for {} (at most {})", b,
                            Durations.format(DEFAULT_UNTIL_IDLE), Durations.format(DEFAULT_DEADLINE));
                    drains.put(b, new Drain(b, DEFAULT_UNTIL_IDLE, DEFAULT_DEADLINE, now));
                }
            }
        }
        for (Iterator<Drain> it = drains.values().iterator(); it.hasNext(); ) {
            Drain d = it.next();
            BackendPool pool = present.get(d.backend());
            if (pool == null || d.backend().adminState() != AdminState.DRAINING) {
                it.remove();
                continue;
            }
            d.observe(now);
            String why = d.finishedBecause(now);
            if (why != null) {
                it.remove();
                finish(pool, d, why);
            }
        }
    }

    private static void finish(BackendPool pool, Drain d, String why) {
        Backend b = d.backend();
        // Under the pool's lock, so an operator's enable that got there first is not overridden.
        synchronized (pool) {
            if (b.adminState() != AdminState.DRAINING) {
                return;
            }
            pool.setAdminState(b.id(), AdminState.MAINTENANCE, "drain finished: " + why);
        }
        log.info("drain of {} finished ({}); it is in maintenance now and gets no traffic", b, why);
    }

    private void safeTick() {
        try {
            tick();
        } catch (RuntimeException e) {
            // A failed tick must not cancel the schedule; the next one starts over from the pools.
            log.warn("drain tracker tick failed", e);
        }
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
        drains.clear();
    }
}
