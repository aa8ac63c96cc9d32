package io.stickylb.health;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.backend.HealthCheckResult;
import io.stickylb.config.ActiveHealthConfig;
import io.stickylb.pool.Transport;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Active health checks of one pool: every {@code interval} (with a little random jitter so checks of many backends
 * do not fire together) each backend gets a {@link CheckProbe}; {@code fall} failures in a row mark it DOWN,
 * {@code rise} successes in a row mark it UP again (transitions are pending until the count is met). Backends start
 * UP (optimistic: a fresh instance serves at once; a dead backend is caught by passive detection on the first
 * requests and by the first failed checks). Everything runs on event loops, no thread per backend, no blocking.
 */
public final class ActiveHealthChecker {

    private final BackendPool pool;
    private final ActiveHealthConfig config;
    private final EventLoopGroup loops;
    private final Transport transport;
    /** The pool's passive detector, told when these checks lift its ejection; null when passive checks are off. */
    private final OutlierDetector passive;
    private final Map<Backend, Tracker> trackers = new ConcurrentHashMap<>();
    private volatile boolean running;

    public ActiveHealthChecker(BackendPool pool, ActiveHealthConfig config, EventLoopGroup loops, Transport transport) {
        this(pool, config, loops, transport, null);
    }

    ActiveHealthChecker(BackendPool pool, ActiveHealthConfig config, EventLoopGroup loops, Transport transport,
                        OutlierDetector passive) {
        this.pool = pool;
        this.config = config;
        this.loops = loops;
        this.transport = transport;
        this.passive = passive;
    }

    public void start() {
        running = true;
        sync();
    }

    /** Picks up backends added by a reload and forgets removed ones. */
    public void sync() {
        if (!running) {
            return;
        }
        for (Backend b : pool.backends()) {
            trackers.computeIfAbsent(b, x -> {
                Tracker t = new Tracker(x, loops.next());
                t.scheduleNext(jitter());
                return t;
            });
        }
        trackers.keySet().removeIf(b -> pool.backend(b.id()).orElse(null) != b && trackers.get(b).stop());
    }

    public void stop() {
        running = false;
        trackers.values().forEach(Tracker::stop);
        trackers.clear();
    }

    private long jitter() {
        long j = config.jitter().toMillis();
        return j <= 0 ? 0 : ThreadLocalRandom.current().nextLong(j + 1);
    }

    /** The check cycle of one backend, confined to one event loop. */
    private final class Tracker {
        private final Backend backend;
        private final EventLoop loop;
        private int passes;
        private int failures;
        private volatile boolean stopped;
        private ScheduledFuture<?> next;

        Tracker(Backend backend, EventLoop loop) {
            this.backend = backend;
            this.loop = loop;
        }

        void scheduleNext(long extraMillis) {
            if (!stopped && running) {
                long delay = Math.max(0, config.interval().toMillis() + extraMillis);
                next = loop.schedule(this::check, delay, TimeUnit.MILLISECONDS);
            }
        }

        boolean stop() {
            stopped = true;
            if (next != null) {
                next.cancel(false);
            }
            return true;
        }

        private void check() {
            if (stopped || !running) {
                return;
            }
            long t0 = System.nanoTime();
            CheckProbe.run(backend, config, loop, transport, v -> verdict(v, (System.nanoTime() - t0) / 1000));
        }

        private void verdict(CheckProbe.Verdict v, long micros) {
            if (stopped) {
                return;
            }
            if (v.inconclusive()) {
                // This process was out of descriptors: the backend was not checked, so its state and counts stand.
                scheduleNext(jitter() - config.jitter().toMillis() / 2);
                return;
            }
            backend.lastCheck(new HealthCheckResult(v.passed(), v.detail(), System.currentTimeMillis(), micros));
            backend.stats().lastCheckMicros = micros;
            if (v.passed()) {
                backend.stats().healthChecksPassed.increment();
                failures = 0;
                passes++;
                if (!backend.healthy() && passes >= config.rise()) {
                    pool.setHealthy(backend.id(), true, "active check: " + passes + " passed (" + v.detail() + ")");
                    if (backend.ejected()) {
                        // Recovered by its checks (Envoy's successful_active_health_check_uneject_host): a passive
                        // ejection from its dead spell must not keep it out any longer.
                        String why = "active check: recovered, passive ejection lifted";
                        if (passive != null) {
                            passive.lift(backend, why);
                        } else {
                            pool.setEjected(backend.id(), false, why);
                        }
                    }
                }
            } else {
                backend.stats().healthChecksFailed.increment();
                passes = 0;
                failures++;
                if (backend.healthy() && failures >= config.fall()) {
                    pool.setHealthy(backend.id(), false, "active check: " + failures + " failed (" + v.detail() + ")");
                }
            }
            scheduleNext(jitter() - config.jitter().toMillis() / 2);
        }
    }
}
