package io.stickylb.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One direction of a {@link Tunnel}: relays the bytes its channel reads to the peer channel, as they come. Reading
 * pauses while the peer cannot take more and resumes when it drains, so a slow reader on either side holds at most
 * the peer's write buffer (the high water mark) of data in the proxy.
 */
final class TunnelHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(TunnelHandler.class);

    private final Channel peer;
    private final Tunnel tunnel;
    private final boolean fromClient;
    /** This side said it sends no more: its FIN, or a TLS client's close_notify (then usually its FIN too). */
    private boolean inputEnded;

    /** {@code fromClient}: this handler reads the client's channel and writes to the backend's. */
    TunnelHandler(Channel peer, Tunnel tunnel, boolean fromClient) {
        this.peer = peer;
        this.tunnel = tunnel;
        this.fromClient = fromClient;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf bytes && peer.isActive()) {
            tunnel.relayed(bytes.readableBytes(), fromClient);
            peer.write(bytes, peer.voidPromise());
        } else {
            ReferenceCountUtil.release(msg); // the peer is gone, or the (empty) end of the 101 that opened the tunnel
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && !peer.config().isAutoRead()) {
            peer.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // What the peer has not yet been sent still goes out, then its close ends the tunnel on that side too.
        if (peer.isActive()) {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        tunnel.closed();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            log.debug("tunnel {} idle for {}; closing it", tunnel, tunnel.idleTimeout());
            tunnel.close();
            return;
        }
        if (evt == GracefulShutdown.EVENT) {
            return; // open tunnels are closed with every client connection once in-flight requests are done
        }
        // A TLS client may end its side with close_notify alone and wait for the backend's answer before its FIN
        // (TLS 1.3 half-close); nothing more can come from it either way, so both say the same.
        if (evt == ChannelInputShutdownEvent.INSTANCE
                || evt instanceof SslCloseCompletionEvent closeNotify && closeNotify.isSuccess()) {
            if (!inputEnded) {
                inputEnded = true;
                if (evt == ChannelInputShutdownEvent.INSTANCE) {
                    halfClosed();
                } else {
                    // The TLS handler reports close_notify while it still holds the data decoded before it in the
                    // same read: acting after this read, that data is relayed first.
                    ctx.executor().execute(this::halfClosed);
                }
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * This side sent its FIN (or close_notify): pass it on once what it sent has gone out, and keep the other
     * direction open until that side is done too (then the tunnel closes). A transport without half-closes ends the
     * tunnel as before.
     */
    private void halfClosed() {
        TunnelHandler other = peer.pipeline().get(TunnelHandler.class);
        if (!(peer instanceof DuplexChannel duplexPeer) || !peer.isActive() || duplexPeer.isInputShutdown()
                || other != null && other.inputEnded) {
            if (peer.isActive()) {
                // Bytes read with this side's end are written but flushed only at the read's end (a close_notify is
                // decoded in the same read as the data before it): flushed first, they are not lost in the close.
                peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> tunnel.close());
            } else {
                tunnel.close();
            }
            return;
        }
        SslHandler tls = peer.pipeline().get(SslHandler.class);
        peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (!f.isSuccess()) {
                tunnel.close();
            } else if (tls == null) {
                duplexPeer.shutdownOutput();
            } else {
                // To a TLS client a FIN without close_notify is a truncation (RFC 8446 §6.1): OpenSSL then fails its
                // next write, so the client could not answer the backend's WebSocket Close.
                tls.closeOutbound().addListener(sent -> {
                    if (sent.isSuccess()) {
                        duplexPeer.shutdownOutput();
                    } else {
                        tunnel.close();
                    }
                });
            }
        });
        log.debug("tunnel {}: the {} half-closed", tunnel, fromClient ? "client" : "backend");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("tunnel {} failed: {}", tunnel, cause.toString());
        tunnel.close();
    }
}
