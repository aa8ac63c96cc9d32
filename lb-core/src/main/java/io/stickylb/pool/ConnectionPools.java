package io.stickylb.pool;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.stickylb.backend.Backend;
import java.util.IdentityHashMap;
import java.util.Map;

/** One {@link UpstreamConnections} per event loop of the worker group, looked up by the caller's loop. */
public final class ConnectionPools {

    private final Map<EventExecutor, UpstreamConnections> byLoop = new IdentityHashMap<>();

    public ConnectionPools(EventLoopGroup group, Transport transport, int maxIdlePerBackend) {
        for (EventExecutor e : group) {
            EventLoop loop = (EventLoop) e;
            byLoop.put(loop, new UpstreamConnections(loop, transport, maxIdlePerBackend));
        }
    }

    /** The pool of this loop; call only from that loop. */
    public UpstreamConnections forLoop(EventLoop loop) {
        UpstreamConnections c = byLoop.get(loop);
        if (c == null) {
            throw new IllegalStateException("event loop " + loop + " is not a worker of this load balancer");
        }
        return c;
    }

    /** Closes idle connections to a removed backend on every loop (each on its own thread). */
    public void closeAll(Backend backend) {
        byLoop.values().forEach(c -> c.loop().execute(() -> c.closeAll(backend)));
    }

    /** Idle connections to a backend over all loops. */
    public int idleCount(Backend backend) {
        return backend.stats().idleConnections.get();
    }
}
