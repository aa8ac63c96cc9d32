package io.stickylb.health;

import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.backend.BackendState;
import io.stickylb.backend.RequestOutcomeListener;
import io.stickylb.config.PassiveHealthConfig;
import io.stickylb.metrics.ErrorKind;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passive health checking (outlier detection, as Envoy's): connect failures, resets and timeouts seen on real traffic
 * (and 5xx answers when {@code fail-on-5xx}) count against a backend; {@code consecutive-failures} in a row eject it
 * for {@code ejection-time}, doubled for each repeated ejection up to {@code max-ejection-time}; the doubling is
 * forgotten after a healthy period of twice the base time. {@code max-ejection-percent} caps how much of the pool
 * may be ejected at once, so passive detection never empties a pool by itself. Called from any event loop.
 */
public final class OutlierDetector implements RequestOutcomeListener {

    private static final Logger log = LoggerFactory.getLogger(OutlierDetector.class);
    /** How often a backend that keeps failing while the ejection cap holds may say so in the log. */
    static final long CAP_WARNING_INTERVAL_MILLIS = 10_000;

    private final BackendPool pool;
    private final PassiveHealthConfig config;
    private final ScheduledExecutorService scheduler;
    private final LongSupplier clockMillis;
    private final Map<Backend, State> states = new ConcurrentHashMap<>();

    public OutlierDetector(BackendPool pool, PassiveHealthConfig config, ScheduledExecutorService scheduler) {
        this(pool, config, scheduler, System::currentTimeMillis);
    }

    OutlierDetector(BackendPool pool, PassiveHealthConfig config, ScheduledExecutorService scheduler,
                    LongSupplier clockMillis) {
        this.pool = pool;
        this.config = config;
        this.scheduler = scheduler;
        this.clockMillis = clockMillis;
    }

    /** Per-backend counters: consecutive failures (any thread) and the ejection history (under the pool lock). */
    private static final class State {
        final AtomicInteger consecutive = new AtomicInteger();
        int ejections;
        /** Counts every ejection, so an ending scheduled for one never ends a later one. */
        long ejectionSeq;
        /** The ejection whose early end {@link #lift} recorded, so its scheduled end does not move that time. */
        long liftedSeq;
        long lastEjectionEndMillis;
        boolean capWarned;
        long capWarnedAtMillis;
        long capStreaksUnreported;
    }

    private State state(Backend b) {
        return states.computeIfAbsent(b, x -> new State());
    }

    @Override
    public void failure(Backend backend, ErrorKind kind) {
        if (!config.enabled() || kind == ErrorKind.TRUNCATED) {
            // A response cut mid-body is counted, but it says less about the backend than a refused connection.
            return;
        }
        if (state(backend).consecutive.incrementAndGet() >= config.consecutiveFailures()) {
            eject(backend, kind.label());
        }
    }

    @Override
    public void response(Backend backend, int status) {
        if (!config.enabled()) {
            return;
        }
        if (config.failOn5xx() && status >= 500) {
            if (state(backend).consecutive.incrementAndGet() >= config.consecutiveFailures()) {
                eject(backend, "HTTP " + status);
            }
            return;
        }
        State s = states.get(backend);
        if (s != null && s.consecutive.get() != 0) {
            s.consecutive.set(0);
        }
    }

    private void eject(Backend backend, String why) {
        long durationMillis;
        int count;
        long seq;
        synchronized (pool) {
            State s = state(backend);
            if (backend.ejected() || pool.backend(backend.id()).orElse(null) != backend) {
                return;
            }
            if (!backend.healthy()) {
                // Active checks already hold it DOWN (panic mode still sends it traffic): ejecting it too would only
                // pile doubled ejections on a dead backend and keep it out after its checks pass again.
                s.consecutive.set(0);
                return;
            }
            int total = pool.backends().size();
            long ejectedNow = pool.backends().stream().filter(Backend::ejected).count();
            if ((ejectedNow + 1) * 100 > (long) config.maxEjectionPercent() * total) {
                capReached(backend, s, why);
                s.consecutive.set(0);
                return;
            }
            long base = config.ejectionTime().toMillis();
            if (s.ejections > 0 && clockMillis.getAsLong() - s.lastEjectionEndMillis > 2 * base) {
                s.ejections = 0;
            }
            s.ejections++;
            count = s.ejections;
            durationMillis = Math.min(config.maxEjectionTime().toMillis(), base << Math.min(20, count - 1));
            s.consecutive.set(0);
            seq = ++s.ejectionSeq;
            backend.stats().ejections.increment();
            String reason = "passive: " + config.consecutiveFailures() + " consecutive failures (" + why
                    + "), ejected for " + durationMillis + "ms (ejection #" + count + ")";
            logUnlessStateChanges(backend, () -> pool.setEjected(backend.id(), true, reason), reason);
        }
        scheduler.schedule(() -> {
            synchronized (pool) {
                State s = state(backend);
                if (s.ejectionSeq != seq) {
                    return; // lifted early (its active checks passed) and ejected again since: that one ends itself
                }
                if (s.liftedSeq != seq) {
                    s.lastEjectionEndMillis = clockMillis.getAsLong();
                }
            }
            if (backend.ejected()) {
                String reason = "passive: ejection ended after " + durationMillis + "ms";
                logUnlessStateChanges(backend, () -> pool.setEjected(backend.id(), false, reason), reason);
            }
        }, durationMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Ends an ejection early because the backend's active checks brought it back, and notes when: the healthy period
     * that forgets the doubling starts now, so a backend that fails again soon is ejected for longer, not afresh.
     */
    public void lift(Backend backend, String reason) {
        synchronized (pool) {
            if (!backend.ejected()) {
                return;
            }
            State s = states.get(backend);
            if (s != null) {
                s.lastEjectionEndMillis = clockMillis.getAsLong();
                s.liftedSeq = s.ejectionSeq;
            }
            logUnlessStateChanges(backend, () -> pool.setEjected(backend.id(), false, reason), reason);
        }
    }

    /**
     * The pool logs state changes; an ejection that changes none (the backend was already DOWN, or is DRAINING) is
     * logged here, so every ejection and its end can be read in the log.
     */
    private void logUnlessStateChanges(Backend backend, Runnable change, String reason) {
        BackendState before = backend.state();
        change.run();
        if (backend.state() == before) {
            log.info("backend {}/{} stays {} ({})", pool.name(), backend.id(), before, reason);
        }
    }

    /**
     * A failure streak the ejection cap let pass. Under the cap, a backend that keeps failing ends a streak every
     * {@code consecutive-failures} requests; at request rates that would be a warning for every few requests, so it
     * is one warning per backend per 10 s, which counts the streaks in between. Called under the pool lock.
     */
    private void capReached(Backend backend, State s, String why) {
        long now = clockMillis.getAsLong();
        if (s.capWarned && now - s.capWarnedAtMillis < CAP_WARNING_INTERVAL_MILLIS) {
            s.capStreaksUnreported++;
            return;
        }
        long more = s.capStreaksUnreported;
        s.capWarned = true;
        s.capWarnedAtMillis = now;
        s.capStreaksUnreported = 0;
        log.warn("backend {} failed {} times in a row ({}) but is not ejected: max-ejection-percent {} reached{}",
                backend, s.consecutive.get(), why, config.maxEjectionPercent(),
                more == 0 ? "" : "; " + more + " more such streak" + (more == 1 ? "" : "s")
                        + " since the last warning");
    }

    /** How many times this backend was ejected in its current streak (for tests and the admin view). */
    public int ejections(Backend backend) {
        State s = states.get(backend);
        return s == null ? 0 : s.ejections;
    }
}
