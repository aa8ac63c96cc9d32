package io.stickylb.pool;

import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.stickylb.backend.Backend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/** One {@link UpstreamConnections} per event loop of the worker group, looked up by the caller's loop. */
public final class ConnectionPools {

    private final Map<EventExecutor, UpstreamConnections> byLoop = new IdentityHashMap<>();

    public ConnectionPools(EventLoopGroup group, Transport transport, int maxIdlePerBackend) {
        for (EventExecutor e : group) {
            EventLoop loop = (EventLoop) e;
            byLoop.put(loop, new UpstreamConnections(loop, this, transport, maxIdlePerBackend));
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

    /**
     * A connect to this backend finished while requests wait for one: every loop lets its waiters, if any, try again
     * (each on its own thread; a loop with none does nothing). Rare by design, so no loop keeps track of the others.
     */
    void connectSlotFreed(Backend backend) {
        byLoop.values().forEach(c -> c.serveLater(backend));
    }

    /** Closes idle connections to a backend on every loop (each on its own thread): its address moved. */
    public void closeAll(Backend backend) {
        byLoop.values().forEach(c -> onLoop(c, () -> c.closeAll(backend)));
    }

    /**
     * A reload removed this backend: on every loop (each on its own thread) its idle connections close and the
     * requests waiting for a connection to it choose again.
     */
    public void removed(Backend backend) {
        byLoop.values().forEach(c -> onLoop(c, () -> c.backendRemoved(backend)));
    }

    /**
     * Runs {@code task} on the loop of {@code c}; a loop already stopping (a reload racing the shutdown) closes its
     * connections itself, and its refusal must not fail the reload that asked.
     */
    private static void onLoop(UpstreamConnections c, Runnable task) {
        try {
            c.loop().execute(task);
        } catch (RejectedExecutionException stopping) {
            // nothing left to do on a loop that is going away
        }
    }

    /**
     * Closes the idle connections of every loop and waits up to {@code timeout} for them to close, so the loops can
     * then stop with no read in flight. Call from outside the loops. Netty 4.2.18's io_uring transport can leak a
     * connection's read buffer when its loop stops under it (docs/benchmarks.md, "io_uring on this machine").
     */
    public void closeAllIdle(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Future<List<ChannelFuture>>> perLoop = new ArrayList<>();
        for (UpstreamConnections c : byLoop.values()) {
            if (!c.loop().isShuttingDown()) {
                perLoop.add(c.loop().submit(c::closeAllIdle));
            }
        }
        for (Future<List<ChannelFuture>> f : perLoop) {
            if (f.awaitUninterruptibly(remainingMillis(deadline)) && f.isSuccess()) {
                f.getNow().forEach(closed -> closed.awaitUninterruptibly(remainingMillis(deadline)));
            }
        }
    }

    private static long remainingMillis(long deadlineNanos) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
    }

    /** Idle connections to a backend over all loops. */
    public int idleCount(Backend backend) {
        return backend.stats().idleConnections.get();
    }
}
