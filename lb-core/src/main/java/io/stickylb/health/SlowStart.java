package io.stickylb.health;

import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.backend.BackendState;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Slow start: after a backend comes UP from DOWN or MAINTENANCE (or is added), its effective weight ramps linearly
 * from 10% to 100% over {@code slow-start}, so a recovered server is not flooded. A ticker republishes the pool's
 * snapshot about every second while some backend is ramping; round robin and least connections see the scaled weight
 * through {@link Backend#effectiveWeight()}. Hash tables keep the full weight: ramping them would move keys twice.
 */
public final class SlowStart implements BackendPool.StateListener {

    static final double FLOOR = 0.1;

    private final BackendPool pool;
    private final long durationMillis;
    private final ScheduledExecutorService scheduler;
    private final LongSupplier clockMillis;
    private final Map<Backend, Long> rampStart = new ConcurrentHashMap<>();
    private ScheduledFuture<?> ticker;

    public SlowStart(BackendPool pool, Duration duration, ScheduledExecutorService scheduler) {
        this(pool, duration, scheduler, System::currentTimeMillis);
    }

    SlowStart(BackendPool pool, Duration duration, ScheduledExecutorService scheduler, LongSupplier clockMillis) {
        this.pool = pool;
        this.durationMillis = duration.toMillis();
        this.scheduler = scheduler;
        this.clockMillis = clockMillis;
    }

    public synchronized void start() {
        pool.addStateListener(this);
        ticker = scheduler.scheduleAtFixedRate(this::tick, 250, Math.max(100, Math.min(1000, durationMillis / 10)),
                TimeUnit.MILLISECONDS);
    }

    public synchronized void stop() {
        pool.removeStateListener(this);
        if (ticker != null) {
            ticker.cancel(false);
        }
        if (!rampStart.isEmpty()) {
            rampStart.keySet().forEach(b -> b.weightScale(1.0));
            rampStart.clear();
            // Strategies build their schedules per snapshot: unpublished, the full weights waited for the next change.
            pool.republish();
        }
    }

    /** Starts a ramp for a backend that was just added by a reload. */
    public void added(Backend backend) {
        begin(backend);
    }

    @Override
    public void stateChanged(Backend backend, BackendState from, BackendState to, String reason) {
        if (to == BackendState.UP && (from == BackendState.DOWN || from == BackendState.MAINTENANCE)) {
            begin(backend);
        }
    }

    private void begin(Backend backend) {
        rampStart.put(backend, clockMillis.getAsLong());
        backend.weightScale(FLOOR);
    }

    /** Advances every ramp; public for tests that drive the clock. */
    void tick() {
        if (rampStart.isEmpty()) {
            return;
        }
        long now = clockMillis.getAsLong();
        rampStart.entrySet().removeIf(e -> {
            double progress = (now - e.getValue()) / (double) durationMillis;
            double scale = Math.min(1.0, FLOOR + (1.0 - FLOOR) * progress);
            e.getKey().weightScale(scale);
            return scale >= 1.0;
        });
        pool.republish();
    }
}
