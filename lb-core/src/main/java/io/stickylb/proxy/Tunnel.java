package io.stickylb.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import io.stickylb.backend.Backend;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client connection and a backend connection joined byte for byte after a WebSocket handshake, until either side
 * closes or neither sends anything for the pool's {@code timeouts.tunnel}. Both run on the client's event loop. The
 * tunnel holds one of its backend's in-flight requests while open, so least-connections and bounded-load strategies
 * see the long-lived load, and its bytes are counted to the backend when it closes.
 */
final class Tunnel {

    static final String HANDLER = "tunnel";
    static final String IDLE = "tunnel-idle";

    private static final Logger log = LoggerFactory.getLogger(Tunnel.class);

    private final Channel client;
    private final Channel backendChannel;
    private final Backend backend;
    private final Duration idleTimeout;
    private long bytesUp;
    private long bytesDown;
    private boolean closed;

    private Tunnel(Channel client, Channel backendChannel, Backend backend, Duration idleTimeout) {
        this.client = client;
        this.backendChannel = backendChannel;
        this.backend = backend;
        this.idleTimeout = idleTimeout;
    }

    /**
     * Turns both connections into a tunnel: their HTTP handlers go and relaying handlers take their place. The
     * client's decoder must hold no bytes (checked by the caller); bytes of the new protocol that came from the
     * backend with its 101 are handed on when its decoder is removed. Takes over the backend's in-flight count.
     */
    static Tunnel open(Channel client, Channel backendChannel, Backend backend, Duration idleTimeout) {
        Tunnel t = new Tunnel(client, backendChannel, backend, idleTimeout);
        backend.stats().openTunnels.incrementAndGet();

        ChannelPipeline cp = client.pipeline();
        cp.remove(ProxyServerInitializer.DECODER);
        cp.remove(ProxyServerInitializer.ENCODER);
        cp.replace(ProxyServerInitializer.FRONTEND, HANDLER, new TunnelHandler(backendChannel, t, true));
        // One timer for both directions: the client connection sees every byte either way.
        cp.addBefore(HANDLER, IDLE, new IdleStateHandler(0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS));

        ChannelPipeline bp = backendChannel.pipeline();
        bp.remove(BackendChannelInitializer.IDLE);
        bp.remove(BackendChannelInitializer.ENCODER);
        bp.replace(BackendChannelInitializer.BACKEND, HANDLER, new TunnelHandler(client, t, false));
        bp.remove(BackendChannelInitializer.DECODER);

        // A side that half-closes (WebSocket's Close sent, then FIN) must still hear the other's Close: its FIN is
        // passed on instead of ending the tunnel (TunnelHandler), as nginx and HAProxy do for upgraded connections.
        client.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        backendChannel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        client.flush(); // the 101 itself, and whatever followed it
        backendChannel.config().setAutoRead(client.isWritable());
        client.config().setAutoRead(backendChannel.isWritable());
        if (!client.isActive() || !backendChannel.isActive()) {
            t.close();
            t.closed();
        }
        log.debug("tunnel {} open", t);
        return t;
    }

    Duration idleTimeout() {
        return idleTimeout;
    }

    void relayed(int bytes, boolean up) {
        if (up) {
            bytesUp += bytes;
        } else {
            bytesDown += bytes;
        }
    }

    /** Closes both sides; what each still has to send is dropped. */
    void close() {
        client.close();
        backendChannel.close();
    }

    /** Called when either side's connection has closed; counts the tunnel's end once. */
    void closed() {
        if (closed) {
            return;
        }
        closed = true;
        backend.stats().openTunnels.decrementAndGet();
        backend.stats().bytesIn.add(bytesUp);
        backend.stats().bytesOut.add(bytesDown);
        backend.requestFinished();
        log.debug("tunnel {} closed: {} bytes up, {} bytes down", this, bytesUp, bytesDown);
    }

    @Override
    public String toString() {
        return client.remoteAddress() + " <-> " + backend.id();
    }
}
