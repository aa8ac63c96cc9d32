package io.stickylb.strategy;

import io.stickylb.config.PoolConfig;

/** The factory behind {@link LoadBalancingStrategy#create}: strategy names to implementations. */
final class Strategies {

    private Strategies() {
    }

    static LoadBalancingStrategy create(PoolConfig config) {
        return switch (config.strategy()) {
            case "round-robin" -> new SmoothWeightedRoundRobin();
            case "least-connections" -> new LeastConnections();
            case "ip-hash" -> new IpHash(config);
            case "header-hash" -> new HeaderHash(config);
            case "cookie" -> new CookieAffinity(config);
            default -> throw new IllegalArgumentException("strategy: '" + config.strategy() + "' is not implemented");
        };
    }
}
