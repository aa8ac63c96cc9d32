package io.stickylb.strategy;

import io.stickylb.backend.Backend;
import io.stickylb.config.PoolConfig;
import io.stickylb.routing.AffinityOutcome;
import io.stickylb.routing.RequestContext;
import java.net.InetAddress;

/**
 * {@code ip-hash}: the client's address (after trusted-proxy resolution) picks its backend through the pool's
 * {@code hash:} table, the same on every proxy instance. Allocation-free per request for IPv4 clients.
 */
final class IpHash implements LoadBalancingStrategy {

    private final KeyRouter router;
    private final LoadBalancingStrategy fallback;

    IpHash(PoolConfig config) {
        this.router = new KeyRouter(config.hash(), config.balanceFactor(),
                config.onUnavailable() == PoolConfig.OnUnavailable.FAIL);
        this.fallback = HashFallback.create(config);
    }

    @Override
    public Backend choose(RequestContext ctx) {
        InetAddress client = ctx.clientAddress();
        if (client == null) {
            ctx.affinity(AffinityOutcome.NEW);
            return fallback.choose(ctx);
        }
        return router.choose(ctx, KeyHash.of(client));
    }
}
