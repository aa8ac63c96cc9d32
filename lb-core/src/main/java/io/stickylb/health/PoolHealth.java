package io.stickylb.health;

import io.netty.channel.EventLoopGroup;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.backend.BackendState;
import io.stickylb.config.HealthConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.pool.Transport;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health layer of one pool: active checks (when configured), passive outlier detection (wired as the pool's
 * outcome listener), slow start, and a watch on panic mode that logs entering and leaving it and counts entries.
 */
public final class PoolHealth {

    private static final Logger log = LoggerFactory.getLogger(PoolHealth.class);

    private final BackendPool pool;
    private final PoolConfig config;
    private final ActiveHealthChecker active;
    private final OutlierDetector passive;
    private final SlowStart slowStart;
    private final LongAdder panics = new LongAdder();
    private final BackendPool.StateListener panicWatch = this::watchPanic;
    private volatile boolean inPanic;

    private PoolHealth(BackendPool pool, EventLoopGroup loops, Transport transport) {
        this.pool = pool;
        this.config = pool.config();
        HealthConfig h = config.health();
        this.passive = h.passive().enabled() ? new OutlierDetector(pool, h.passive(), loops.next()) : null;
        this.active = h.hasActive() ? new ActiveHealthChecker(pool, h.active(), loops, transport, passive) : null;
        this.slowStart = config.slowStart().isZero() ? null : new SlowStart(pool, config.slowStart(), loops.next());
        // A layer a reload starts may find the pool in panic already: that entry was counted and logged by the last.
        this.inPanic = pool.snapshot().panic();
    }

    /** Starts health checking for a pool with the pool's current config. */
    public static PoolHealth start(BackendPool pool, EventLoopGroup loops, Transport transport) {
        PoolHealth ph = new PoolHealth(pool, loops, transport);
        ph.begin();
        return ph;
    }

    private void begin() {
        pool.outcomes(passive);
        pool.addStateListener(panicWatch);
        if (slowStart != null) {
            slowStart.start();
        }
        // After the listeners, so the panic watch and slow start see the backends this brings back.
        if (active == null) {
            // Only active checks mark a backend unhealthy, and only they mark it healthy again: once a reload turned
            // them off, one they held DOWN stayed DOWN for good, unchecked (an operator's enable does not touch it).
            for (Backend b : pool.backends()) {
                if (!b.healthy()) {
                    pool.setHealthy(b.id(), true, "active checks turned off; nothing holds it DOWN any more");
                }
            }
        } else {
            active.start();
        }
    }

    /** True while this health layer still matches the pool's config (else the caller restarts it). */
    public boolean matches(PoolConfig current) {
        return current.health().equals(config.health()) && current.slowStart().equals(config.slowStart());
    }

    /** After a reload kept this pool: check new backends too, and let them slow-start. */
    public void backendsChanged(Iterable<Backend> added) {
        if (active != null) {
            active.sync();
        }
        if (slowStart != null) {
            added.forEach(slowStart::added);
        }
    }

    public void stop() {
        if (active != null) {
            active.stop();
        }
        if (slowStart != null) {
            slowStart.stop();
        }
        pool.outcomes(null);
        // A reload that changes health settings starts a new layer; the old one stops listening (its slow start
        // removed itself above), so state changes are not counted twice.
        pool.removeStateListener(panicWatch);
    }

    /** Times the pool entered panic mode. */
    public long panics() {
        return panics.sum();
    }

    public OutlierDetector passive() {
        return passive;
    }

    private void watchPanic(Backend b, BackendState from, BackendState to, String reason) {
        boolean now = pool.snapshot().panic();
        if (now && !inPanic) {
            panics.increment();
            log.warn("pool {} entered panic mode: fewer than {}% of its backends are healthy (UP or draining);"
                    + " spreading new clients over its UP and DOWN backends", pool.name(),
                    config.health().panicThreshold());
        } else if (!now && inPanic) {
            log.info("pool {} left panic mode", pool.name());
        }
        inPanic = now;
    }
}
