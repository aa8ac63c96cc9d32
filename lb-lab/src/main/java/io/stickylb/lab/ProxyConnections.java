package io.stickylb.lab;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.stickylb.pool.Transport;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The load driver's keep-alive connections to the proxy, at most {@code max} of them, idle ones kept per source
 * address (one key in forwarded mode; the client's 127.x address group in loopback mode, where a connection at the
 * limit is made by closing an idle one of another address). One connection attempt per address at a time; its
 * outcome is reported to the driver, which pumps or fails the request that waited for it. Confined to one event loop.
 */
final class ProxyConnections {

    private final LoadDriver driver;
    private final Bootstrap bootstrap;
    private final InetSocketAddress proxy;
    private final boolean loopback;
    private final int max;
    private final Map<Integer, ArrayDeque<LabConnection>> idle = new HashMap<>();
    private final List<LabConnection> all = new ArrayList<>();
    private final Set<Integer> connecting = new HashSet<>();
    private int open;

    ProxyConnections(LoadDriver driver, EventLoop loop, Transport transport, InetSocketAddress proxy, boolean loopback,
            int max) {
        this.driver = driver;
        this.proxy = proxy;
        this.loopback = loopback;
        this.max = max;
        this.bootstrap = new Bootstrap().group(loop).channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2000);
    }

    /** Opens all connections of the shared (forwarded-mode) key ahead of the run. */
    CompletableFuture<Void> openAll() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        int[] pending = {max};
        for (int i = 0; i < max; i++) {
            open++;
            open(0).addListener(f -> {
                if (--pending[0] == 0) {
                    done.complete(null);
                }
            });
        }
        return done;
    }

    /**
     * An idle connection for {@code key}, or null; when there is none, a new one is started if the limit (or, in
     * loopback mode, an idle connection to give up) allows, and the driver is told when it is ready.
     */
    LabConnection take(int key) {
        ArrayDeque<LabConnection> q = idle.get(key);
        while (q != null && !q.isEmpty()) {
            LabConnection conn = q.pollLast();
            if (conn.channel.isActive()) {
                return conn;
            }
        }
        if (!connecting.contains(key) && (open < max || (loopback && evictIdle()))) {
            open++;
            open(key);
        }
        return null;
    }

    /** A connection whose answer arrived and that may be used again. */
    void release(LabConnection conn) {
        idle.computeIfAbsent(conn.addressKey, k -> new ArrayDeque<>()).addLast(conn);
    }

    /** Book-keeping for a connection that closed. */
    void closed(LabConnection conn) {
        open--;
        all.remove(conn);
        ArrayDeque<LabConnection> q = idle.get(conn.addressKey);
        if (q != null) {
            q.remove(conn);
        }
    }

    /** A copy of every open connection (the caller may close some while iterating). */
    List<LabConnection> all() {
        return List.copyOf(all);
    }

    private ChannelFuture open(int key) {
        LabConnection conn = new LabConnection(driver, key);
        Bootstrap b = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20), conn);
            }
        });
        ChannelFuture f = loopback ? b.connect(proxy, ClientAddresses.loopback(key)) : b.connect(proxy);
        // The connect future completes before channelActive fires: the connection must know its channel already.
        conn.channel = f.channel();
        connecting.add(key);
        f.addListener((ChannelFuture done) -> {
            connecting.remove(key);
            if (done.isSuccess()) {
                all.add(conn);
                release(conn);
                driver.connected();
            } else {
                open--;
                driver.connectFailed();
            }
        });
        return f;
    }

    private boolean evictIdle() {
        for (ArrayDeque<LabConnection> q : idle.values()) {
            LabConnection conn = q.pollFirst();
            if (conn != null) {
                conn.channel.close();
                return true;
            }
        }
        return false;
    }
}
