package io.stickylb.strategy;

import io.stickylb.config.PoolConfig;

/** Creates the strategy ({@code fallback:}) that serves requests a hashing strategy has no key for. */
final class HashFallback {

    private HashFallback() {
    }

    static LoadBalancingStrategy create(PoolConfig config) {
        return switch (config.fallback()) {
            case "round-robin" -> new SmoothWeightedRoundRobin();
            case "least-connections" -> new LeastConnections();
            default -> throw new IllegalArgumentException(
                    "fallback: '" + config.fallback() + "' (expected: round-robin|least-connections)");
        };
    }
}
