package io.stickylb.health;

import io.netty.channel.EventLoopGroup;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.pool.Transport;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Keeps one {@link PoolHealth} per pool of a running instance, across reloads. */
public final class HealthSupervisor {

    private final EventLoopGroup loops;
    private final Transport transport;
    private final Map<BackendPool, PoolHealth> pools = new ConcurrentHashMap<>();

    public HealthSupervisor(EventLoopGroup loops, Transport transport) {
        this.loops = loops;
        this.transport = transport;
    }

    /** Starts health for new pools, restarts it where the health config changed, stops it for removed pools. */
    public synchronized void apply(Collection<BackendPool> current, List<Backend> added) {
        pools.keySet().removeIf(p -> {
            if (!current.contains(p)) {
                pools.get(p).stop();
                return true;
            }
            return false;
        });
        for (BackendPool p : current) {
            PoolHealth h = pools.get(p);
            boolean restarted = false;
            if (h != null && !h.matches(p.config())) {
                h.stop();
                h = null;
                restarted = true;
            }
            List<Backend> addedHere = added.stream().filter(b -> b.poolName().equals(p.name())).toList();
            if (h == null) {
                h = PoolHealth.start(p, loops, transport);
                pools.put(p, h);
                if (restarted) {
                    // The reload that changed the health settings may also have added backends: they slow-start
                    // under the new layer, as under a kept one.
                    h.backendsChanged(addedHere);
                }
            } else {
                h.backendsChanged(addedHere);
            }
        }
    }

    public PoolHealth of(BackendPool pool) {
        return pools.get(pool);
    }

    public synchronized void stop() {
        pools.values().forEach(PoolHealth::stop);
        pools.clear();
    }
}
