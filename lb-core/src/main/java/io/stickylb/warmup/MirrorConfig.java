package io.stickylb.warmup;

import io.stickylb.config.AccessLogConfig;
import io.stickylb.config.AdminConfig;
import io.stickylb.config.BackendConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.config.HealthConfig;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.PassiveHealthConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.config.TimeoutConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The config of {@link JitWarmup}'s private instance: a mirror of the warmed instance's routes, pools and strategies
 * with every backend at the warm-up's responder, or one round-robin pool when there is nothing to mirror.
 */
final class MirrorConfig {

    /**
     * The mirror's response and backend idle timeouts and latency window: short, so their timers fall due while the
     * loop is busy, as the real instance's first do after 30 s and a minute; long enough for the responder's slowest
     * answer ({@code WarmupResponder}: a few milliseconds) while the JVM is still cold.
     */
    static final Duration TIMER = Duration.ofMillis(50);
    /** The most consecutive failures a config allows: see {@link #quiet}. */
    static final int CONSECUTIVE_FAILURES = PassiveHealthConfig.MAX_CONSECUTIVE_FAILURES;

    private MirrorConfig() {
    }

    /** One round-robin pool with the responder at {@code responderPort} as its backend, one event loop. */
    static LoadBalancerConfig own(int responderPort) {
        PoolConfig pool = PoolConfig.of("warmup", "round-robin",
                List.of(new BackendConfig("warmup", new Endpoint("127.0.0.1", responderPort), 1)));
        return LoadBalancerConfig.simple(new Endpoint("127.0.0.1", 0), pool)
                .withWorkers(1)
                .withAccessLog(AccessLogConfig.OFF);
    }

    /**
     * {@code real}'s routes, pools and limits on a loopback port of its own, every backend (same id, weight and route)
     * at the responder, response and backend idle timeouts of {@link #TIMER}; no active checks (the warm-up is over
     * before the first would matter), no admin API, no access log; forwarding headers as {@code real} sends them.
     */
    static LoadBalancerConfig of(LoadBalancerConfig real, int responderPort) {
        Endpoint responder = new Endpoint("127.0.0.1", responderPort);
        Map<String, PoolConfig> pools = new LinkedHashMap<>();
        for (PoolConfig p : real.pools().values()) {
            List<BackendConfig> backends = p.backends().stream()
                    .map(b -> new BackendConfig(b.id(), responder, b.weight(), b.route()))
                    .toList();
            HealthConfig health = new HealthConfig(null, quiet(p.health().passive()), p.health().panicThreshold());
            TimeoutConfig t = p.timeouts();
            pools.put(p.name(), p.withBackends(backends).withHealth(health)
                    .withTimeouts(new TimeoutConfig(t.connect(), TIMER, TIMER, t.tunnel())));
        }
        return new LoadBalancerConfig(null, new Endpoint("127.0.0.1", 0), real.workers(), pools, real.routes(),
                real.trustedProxies(), AdminConfig.DISABLED, AccessLogConfig.OFF, real.limits(),
                real.shutdownTimeout(), real.transport(), real.forwardedHeaders(), real.paths(), false, null);
    }

    /**
     * The same passive checks with the most consecutive failures allowed before an ejection: a warm-up that shares
     * a starved core with real traffic sees its 50 ms response timeouts fire, and an ejection or "not ejected" warning
     * of the private instance would be logged under a real backend's name.
     */
    private static PassiveHealthConfig quiet(PassiveHealthConfig p) {
        return p.withConsecutiveFailures(CONSECUTIVE_FAILURES);
    }
}
