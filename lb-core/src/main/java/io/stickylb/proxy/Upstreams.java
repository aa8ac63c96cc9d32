package io.stickylb.proxy;

import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.routing.ClientAddressResolver;
import io.stickylb.routing.PathNormalizer;
import io.stickylb.routing.Router;
import io.stickylb.strategy.LoadBalancingStrategy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The routing state of one config generation: pools by name, the router, the path normaliser, the client-address
 * resolver and whether requests get the forwarding headers. Immutable once built; a reload builds a new one (reusing
 * pools by name) and publishes it in one volatile write.
 */
public final class Upstreams {

    private final Map<String, BackendPool> pools;
    private final Router<BackendPool> router;
    private final ClientAddressResolver clientAddresses;
    private final boolean forwardedHeaders;
    private final PathNormalizer paths;

    private Upstreams(Map<String, BackendPool> pools, LoadBalancerConfig config) {
        this.pools = Collections.unmodifiableMap(pools);
        this.router = Router.of(config.routes(), pools);
        this.clientAddresses = new ClientAddressResolver(config.trustedProxies());
        this.forwardedHeaders = config.forwardedHeaders();
        this.paths = PathNormalizer.of(config.paths());
    }

    /** Builds fresh pools for a first start. */
    public static Upstreams create(LoadBalancerConfig config) {
        Map<String, BackendPool> pools = new LinkedHashMap<>();
        for (PoolConfig pc : config.pools().values()) {
            pools.put(pc.name(), new BackendPool(pc));
        }
        return new Upstreams(pools, config);
    }

    /**
     * Builds the next generation: pools with the same name are reconfigured in place (backends with the same id keep
     * state, counters and connections). Backends that disappear are added to {@code removed}. A config the engine
     * refuses (an {@link IllegalArgumentException}) leaves every pool as it was.
     */
    public Upstreams next(LoadBalancerConfig config, List<Backend> removed) {
        // Whatever may refuse the config runs before the first pool changes: pools are reconfigured in place, and a
        // refusal after that left earlier pools serving backends the running config and health checks knew nothing of.
        Map<String, BackendPool> next = new LinkedHashMap<>();
        Map<BackendPool, LoadBalancingStrategy> strategies = new HashMap<>();
        for (PoolConfig pc : config.pools().values()) {
            BackendPool existing = pools.get(pc.name());
            if (existing != null) {
                strategies.put(existing, existing.strategyFor(pc));
                next.put(pc.name(), existing);
            } else {
                next.put(pc.name(), new BackendPool(pc));
            }
        }
        Upstreams upstreams = new Upstreams(next, config);
        for (PoolConfig pc : config.pools().values()) {
            BackendPool existing = pools.get(pc.name());
            if (existing != null) {
                removed.addAll(existing.reconfigure(pc, removed, strategies.get(existing)));
            }
        }
        for (BackendPool old : pools.values()) {
            if (!next.containsKey(old.name())) {
                removed.addAll(old.backends());
            }
        }
        return upstreams;
    }

    public Map<String, BackendPool> pools() {
        return pools;
    }

    public BackendPool pool(String name) {
        return pools.get(name);
    }

    public Router<BackendPool> router() {
        return router;
    }

    /** Makes request paths canonical before routing (config {@code paths}). */
    public PathNormalizer paths() {
        return paths;
    }

    public ClientAddressResolver clientAddresses() {
        return clientAddresses;
    }

    /** True when requests get {@code X-Forwarded-For/-Proto/-Host} (config {@code forwarded-headers}). */
    public boolean forwardedHeaders() {
        return forwardedHeaders;
    }

    /** Every backend of every pool. */
    public List<Backend> allBackends() {
        List<Backend> all = new ArrayList<>();
        pools.values().forEach(p -> all.addAll(p.backends()));
        return all;
    }
}
