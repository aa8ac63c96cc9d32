package io.stickylb.config;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A named pool of backends and how requests are spread over them. {@code strategy} is a strategy name
 * ({@code round-robin}, {@code least-connections}, {@code ip-hash}, {@code header-hash}, {@code cookie});
 * {@code fallback} serves affinity strategies when a request carries no usable affinity.
 */
public record PoolConfig(
        String name,
        String strategy,
        List<BackendConfig> backends,
        TimeoutConfig timeouts,
        String hash,
        double balanceFactor,
        String hashHeader,
        String hashCookie,
        AffinityConfig affinity,
        String fallback,
        OnUnavailable onUnavailable,
        ReturnHome returnHome,
        boolean changeCookieOnFailure,
        RetryConfig retry,
        Duration slowStart,
        HealthConfig health) {

    /** What happens when a client's sticky backend cannot serve it. */
    public enum OnUnavailable { REDISPATCH, FAIL }

    /** Whether a redispatched client moves back once its original backend recovers. */
    public enum ReturnHome { NEVER, IMMEDIATE }

    public PoolConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(strategy, "strategy");
        backends = List.copyOf(backends);
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("pool '" + name + "' has no backends");
        }
        Set<String> ids = new HashSet<>();
        for (BackendConfig b : backends) {
            if (!ids.add(b.id())) {
                throw new IllegalArgumentException("pool '" + name + "': duplicate backend id '" + b.id() + "'");
            }
        }
        timeouts = timeouts == null ? TimeoutConfig.DEFAULTS : timeouts;
        hash = hash == null ? "maglev" : hash;
        if (balanceFactor != 0 && balanceFactor < 1.0) {
            throw new IllegalArgumentException("balance-factor: " + balanceFactor + " (expected: 0 (off) or >= 1.0)");
        }
        affinity = affinity == null ? AffinityConfig.DEFAULTS : affinity;
        fallback = fallback == null ? "round-robin" : fallback;
        onUnavailable = onUnavailable == null ? OnUnavailable.REDISPATCH : onUnavailable;
        returnHome = returnHome == null ? ReturnHome.NEVER : returnHome;
        retry = retry == null ? RetryConfig.DEFAULTS : retry;
        slowStart = Durations.requireNonNegative("slow-start", slowStart == null ? Duration.ZERO : slowStart);
        health = health == null ? HealthConfig.DEFAULTS : health;
    }

    /** A pool with defaults for everything but its name, strategy and backends (handy in tests and the demo). */
    public static PoolConfig of(String name, String strategy, List<BackendConfig> backends) {
        return new PoolConfig(name, strategy, backends, null, null, 0, null, null, null, null, null, null, true,
                null, null, null);
    }

    /** A copy with other backends, everything else kept. */
    public PoolConfig withBackends(List<BackendConfig> newBackends) {
        return new PoolConfig(name, strategy, newBackends, timeouts, hash, balanceFactor, hashHeader, hashCookie,
                affinity, fallback, onUnavailable, returnHome, changeCookieOnFailure, retry, slowStart, health);
    }

    /** A copy with another strategy, everything else kept. */
    public PoolConfig withStrategy(String newStrategy) {
        return new PoolConfig(name, newStrategy, backends, timeouts, hash, balanceFactor, hashHeader, hashCookie,
                affinity, fallback, onUnavailable, returnHome, changeCookieOnFailure, retry, slowStart, health);
    }

    /** A copy with other affinity settings. */
    public PoolConfig withAffinity(AffinityConfig newAffinity) {
        return new PoolConfig(name, strategy, backends, timeouts, hash, balanceFactor, hashHeader, hashCookie,
                newAffinity, fallback, onUnavailable, returnHome, changeCookieOnFailure, retry, slowStart, health);
    }

    /** A copy with other health settings. */
    public PoolConfig withHealth(HealthConfig newHealth) {
        return new PoolConfig(name, strategy, backends, timeouts, hash, balanceFactor, hashHeader, hashCookie,
                affinity, fallback, onUnavailable, returnHome, changeCookieOnFailure, retry, slowStart, newHealth);
    }

    /** A copy with other retry settings. */
    public PoolConfig withRetry(RetryConfig newRetry) {
        return new PoolConfig(name, strategy, backends, timeouts, hash, balanceFactor, hashHeader, hashCookie,
                affinity, fallback, onUnavailable, returnHome, changeCookieOnFailure, newRetry, slowStart, health);
    }

    /**
     * True when both configs choose backends the same way (strategy and its settings), so a reload may keep the
     * strategy object and whatever it learned (round-robin position, learned sessions).
     */
    public boolean sameStrategySettings(PoolConfig other) {
        return strategy.equals(other.strategy) && hash.equals(other.hash) && balanceFactor == other.balanceFactor
                && java.util.Objects.equals(hashHeader, other.hashHeader)
                && java.util.Objects.equals(hashCookie, other.hashCookie) && affinity.equals(other.affinity)
                && fallback.equals(other.fallback) && onUnavailable == other.onUnavailable
                && returnHome == other.returnHome && changeCookieOnFailure == other.changeCookieOnFailure;
    }

    /** A copy with other timeouts. */
    public PoolConfig withTimeouts(TimeoutConfig newTimeouts) {
        return new PoolConfig(name, strategy, backends, newTimeouts, hash, balanceFactor, hashHeader, hashCookie,
                affinity, fallback, onUnavailable, returnHome, changeCookieOnFailure, retry, slowStart, health);
    }
}
