package io.stickylb.admin;

import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.proxy.Upstreams;
import java.util.List;

/**
 * The running instance as the admin API sees it: its current config and pools, and how to swap in a new config.
 * {@code LoadBalancer} implements it; keeping it an interface spares this package a dependency on the server.
 */
public interface AdminTarget {

    /** The config in effect (its {@code source} is the file a reload re-reads). */
    LoadBalancerConfig config();

    /** The pools in effect; a reload replaces this object. */
    Upstreams upstreams();

    /** The listener's client connections now. */
    ClientCounts clients();

    /** Client connections: open now and the limit in force; accepted and refused (at the limit) since start. */
    record ClientCounts(int open, int maxConnections, long accepted, long refused) {
    }

    /** True once a graceful shutdown began: the API still answers (to watch the drain), but reloads no more. */
    default boolean shuttingDown() {
        return false;
    }

    /** True while the JIT warm-up proper runs: the instance serves, but its first busy seconds would compile. */
    default boolean warmingUp() {
        return false;
    }

    /** The Prometheus text exposition of this instance's metrics. */
    String scrapeMetrics();

    /**
     * Applies an already validated config; called from the admin's reload thread, never from an event loop. Returns
     * the settings it left for the next restart, one warning each.
     */
    List<String> reload(LoadBalancerConfig next);
}
