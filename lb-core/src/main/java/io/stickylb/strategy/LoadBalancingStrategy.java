package io.stickylb.strategy;

import io.stickylb.backend.Backend;
import io.stickylb.config.PoolConfig;
import io.stickylb.routing.RequestContext;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;

/**
 * Chooses the backend for one request among the snapshot's backends. Strategies never check health themselves: the
 * snapshot only offers backends that may serve. Called on the client's event loop, possibly from several loops at
 * once, so implementations are thread-safe and do not block.
 */
public interface LoadBalancingStrategy {

    /** The backend for this request, or null when none can serve it (the proxy answers 503). */
    Backend choose(RequestContext ctx);

    /** Rewrites the request head before it is forwarded (e.g. removes the affinity cookie). Default: nothing. */
    default void beforeForward(RequestContext ctx, HttpRequest request) {
    }

    /** Adjusts the response head before it is relayed (e.g. sets the affinity cookie). Default: nothing. */
    default void beforeRespond(RequestContext ctx, HttpResponse response) {
    }

    /** Creates the strategy a pool's config names; the one place a new strategy is registered. */
    static LoadBalancingStrategy create(PoolConfig config) {
        return Strategies.create(config);
    }
}
