package io.stickylb.pool;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.stickylb.backend.Backend;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;

/**
 * Idle keep-alive connections to backends, owned by one event loop and touched only from it, so no locks. New
 * connections are opened on the same loop, which keeps a request and its backend connection on one thread.
 * Most recently used connections are handed out first, so a hot set stays warm and the rest idle out. Requests that
 * must wait for a connection (see {@link ConnectionWaiter}) line up here too, first come first served.
 */
public final class UpstreamConnections {

    private final EventLoop loop;
    private final ConnectionPools pools;
    private final Bootstrap bootstrap;
    private final int maxIdlePerBackend;
    private final Map<Backend, IdleConnections> idle = new IdentityHashMap<>();
    private final Map<Backend, ArrayDeque<ConnectionWaiter>> waiters = new IdentityHashMap<>();
    /** Waiters on this loop over all backends: zero on the common path, which then skips every waiter lookup. */
    private int waiting;

    UpstreamConnections(EventLoop loop, ConnectionPools pools, Transport transport, int maxIdlePerBackend) {
        this.loop = loop;
        this.pools = pools;
        this.maxIdlePerBackend = maxIdlePerBackend;
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.ALLOCATOR, Transport.allocator())
                // Netty's default resolver would look a name up on this loop, blocking it; BackendAddresses resolves
                // names on a thread of its own, and an address not resolved yet fails to connect.
                .disableResolver();
    }

    public EventLoop loop() {
        return loop;
    }

    /**
     * An idle, still open connection to this backend's current address, or null. A connection is handed out at most
     * once. Those opened to an address the backend has since left (a reload moved it) are closed, not handed out.
     */
    public Channel pollIdle(Backend backend) {
        IdleConnections q = idle.get(backend);
        if (q == null) {
            return null;
        }
        if (q.openedTo != backend.socketAddress()) {
            closeAll(backend);
            return null;
        }
        Channel ch;
        while ((ch = q.pollFirst()) != null) {
            backend.stats().idleConnections.decrementAndGet();
            if (ch.isActive()) {
                return ch;
            }
            ch.close();
        }
        return null;
    }

    /**
     * Opens a new connection to {@code address}, this backend's {@link Backend#socketAddress()}, on this loop, its
     * pipeline built by {@code initializer}; it fails at once while the backend's host name is not resolved yet. The
     * future completes on this loop with the connected channel.
     *
     * <p>The socket is created from a task, never inside the loop's I/O batch. Why: Netty's epoll loop
     * ({@code io.netty.channel.epoll.EpollIoHandler#processReady}) finds the channel of each ready event of a batch
     * by its descriptor number. A connection closed while the batch is handled (a client's reset closing its backend
     * connection, a write to a client that reset failing and Netty closing it) frees its number at once; a socket
     * opened later in that batch gets the same number and received the closed one's pending event, which failed a
     * connect to a healthy backend. Tasks run after the batch, when no event is pending. Only new connections pay
     * the task; a request served by a pooled connection does not.
     */
    public Future<Channel> connect(Backend backend, InetSocketAddress address, int connectTimeoutMillis,
                                   ChannelHandler initializer) {
        backend.stats().connectionsOpened.increment();
        Bootstrap b = bootstrap.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .handler(initializer);
        Promise<Channel> connected = loop.newPromise();
        try {
            loop.execute(() -> open(b, address, connected));
        } catch (RejectedExecutionException stopped) {
            open(b, address, connected); // the loop is stopping: no batch of its follows, and the connect fails
        }
        return connected;
    }

    private void open(Bootstrap b, InetSocketAddress address, Promise<Channel> connected) {
        LocalConnectFailure.onLoop(b.connect(address), loop).addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                connected.trySuccess(f.channel());
            } else {
                connected.tryFailure(f.cause());
            }
        });
    }

    /**
     * Returns a connection after a clean exchange; closes it instead when it is dead, when the idle set is full, when a
     * reload removed the backend, or when the backend no longer has {@code openedTo}, the address it was opened to
     * (its name moved, or a reload changed it: idle connections to the old address were closed then, and this one
     * was busy).
     */
    public void release(Backend backend, Channel ch, InetSocketAddress openedTo) {
        // A retired backend's clean-up task may have run on this loop already: pooled now, the connection would stay.
        if (!ch.isActive() || openedTo != backend.socketAddress() || backend.retired()) {
            ch.close();
            return;
        }
        IdleConnections q = idle.get(backend);
        if (q == null || q.openedTo != openedTo) {
            // Any connections still held are to an address the backend has left.
            closeAll(backend);
            q = new IdleConnections(openedTo);
            idle.put(backend, q);
        }
        if (q.size() >= maxIdlePerBackend) {
            ch.close();
            return;
        }
        q.addFirst(ch);
        backend.stats().idleConnections.incrementAndGet();
        if (waiting > 0) {
            serveLater(backend);
        }
    }

    /**
     * Counts a connect to this backend, opened on this loop, as finished (successful or not), which frees a place
     * for a waiting request on whichever loop it waits.
     */
    public void connectFinished(Backend backend) {
        backend.connectFinished();
        if (backend.waitingRequests() > 0) {
            pools.connectSlotFreed(backend);
        }
    }

    /**
     * Puts a request in line for a connection to this backend. Its wake-up comes from a connection released on this
     * loop or a connect finished anywhere; the check after queueing catches a connect that finished just before.
     */
    public void await(Backend backend, ConnectionWaiter waiter) {
        waiters.computeIfAbsent(backend, b -> new ArrayDeque<>()).addLast(waiter);
        waiting++;
        backend.requestWaiting();
        serveLater(backend);
    }

    /** Takes a waiter out of line (its request ended or waited too long); false when it was no longer waiting. */
    public boolean cancelWait(Backend backend, ConnectionWaiter waiter) {
        ArrayDeque<ConnectionWaiter> q = waiters.get(backend);
        if (q == null || !q.remove(waiter)) {
            return false;
        }
        dequeued(backend, q);
        return true;
    }

    /**
     * Serves this backend's waiters on a later turn of the loop, not inside the exchange that freed a connection. May
     * be called from another loop, which may outlive this one at shutdown.
     */
    void serveLater(Backend backend) {
        try {
            loop.execute(() -> serveWaiters(backend));
        } catch (RejectedExecutionException stopped) {
            // The loop has stopped: its waiters ended with their client connections.
        }
    }

    /** Lets this backend's waiters retry, first in line first, until one must wait again. */
    private void serveWaiters(Backend backend) {
        ArrayDeque<ConnectionWaiter> q = waiters.get(backend);
        while (q != null && !q.isEmpty()) {
            ConnectionWaiter w = q.peekFirst();
            if (!w.tryAgain()) {
                return;
            }
            // Normally still first; one that left the line while trying is not taken out twice.
            if (q.peekFirst() == w) {
                q.pollFirst();
                dequeued(backend, q);
            }
        }
    }

    private void dequeued(Backend backend, ArrayDeque<ConnectionWaiter> q) {
        waiting--;
        backend.requestStoppedWaiting();
        if (q.isEmpty()) {
            waiters.remove(backend);
        }
    }

    /** True when requests on this loop wait for a connection to this backend: a newcomer joins the line. */
    public boolean hasWaiters(Backend backend) {
        return waiting > 0 && waiters.containsKey(backend);
    }

    /** Forgets a pooled connection that closed or misbehaved while idle. */
    public void remove(Backend backend, Channel ch) {
        IdleConnections q = idle.get(backend);
        if (q != null && q.remove(ch)) {
            backend.stats().idleConnections.decrementAndGet();
        }
    }

    /**
     * Closes every idle connection to this backend (it was removed from config, or the load balancer stops); each
     * future completes as its connection has closed. They leave the pool first: a close must not find itself pooled.
     */
    public List<ChannelFuture> closeAll(Backend backend) {
        IdleConnections q = idle.remove(backend);
        if (q == null) {
            return List.of();
        }
        backend.stats().idleConnections.addAndGet(-q.size());
        List<ChannelFuture> closing = new ArrayList<>(q.size());
        q.forEach(ch -> closing.add(ch.close()));
        return closing;
    }

    /**
     * A reload removed this backend: its idle connections close, and the requests on this loop waiting in line for a
     * connection to it choose again; a connect already under way goes on.
     */
    void backendRemoved(Backend backend) {
        closeAll(backend);
        ArrayDeque<ConnectionWaiter> q = waiters.get(backend);
        while (q != null && !q.isEmpty()) {
            ConnectionWaiter w = q.pollFirst();
            dequeued(backend, q);
            w.backendRemoved();
        }
    }

    /** Closes every idle connection on this loop, as {@link #closeAll} does for one backend. */
    List<ChannelFuture> closeAllIdle() {
        List<ChannelFuture> closing = new ArrayList<>();
        for (Backend backend : List.copyOf(idle.keySet())) {
            closing.addAll(closeAll(backend));
        }
        return closing;
    }

    /** Idle connections held for this backend on this loop. */
    public int idleCount(Backend backend) {
        IdleConnections q = idle.get(backend);
        return q == null ? 0 : q.size();
    }

    /**
     * One backend's idle connections, all opened to one address: when a reload moves the backend, the pool notices
     * with one reference comparison per request, before the reload's own clean-up task has run on this loop.
     */
    private static final class IdleConnections extends ArrayDeque<Channel> {
        private final InetSocketAddress openedTo;

        IdleConnections(InetSocketAddress openedTo) {
            this.openedTo = openedTo;
        }
    }
}
