package io.stickylb.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.stickylb.backend.Backend;
import io.stickylb.pool.UpstreamConnections;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backend side of one pooled connection. While an {@link Exchange} is bound it relays everything to it; while the
 * connection sits idle in its pool, any data or close from the backend means the connection is stale, so it is
 * removed and closed and never handed out again.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(BackendHandler.class);

    private final InetSocketAddress openedTo;
    private final Backend backend;
    /**
     * The pool the connection returns to, known from the start: a connection pooled without ever being bound (its
     * request ended while it was connecting) must still leave the pool when it closes or idles out.
     */
    private final UpstreamConnections owner;
    private Exchange exchange;

    BackendHandler(InetSocketAddress openedTo, Backend backend, UpstreamConnections owner) {
        this.openedTo = openedTo;
        this.backend = backend;
        this.owner = owner;
    }

    /**
     * The address the connection was opened to: its backend's {@link Backend#socketAddress()} then, which is a new
     * object exactly when the address changes.
     */
    InetSocketAddress openedTo() {
        return openedTo;
    }

    void bind(Exchange e) {
        this.exchange = e;
    }

    void unbind() {
        this.exchange = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Exchange e = exchange;
        if (e == null) {
            // Nothing is expected on an idle connection; whatever it is, the connection cannot be trusted.
            ReferenceCountUtil.release(msg);
            dropIdle(ctx);
            return;
        }
        e.onBackendMessage(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Exchange e = exchange;
        if (e != null) {
            e.flushClient();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Exchange e = exchange;
        if (e != null && ctx.channel().isWritable()) {
            e.backendWritable();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Exchange e = exchange;
        if (e != null) {
            exchange = null;
            e.backendClosed();
        } else {
            owner.remove(backend, ctx.channel());
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            Exchange e = exchange;
            if (e == null) {
                dropIdle(ctx);
            } else {
                e.backendIdle();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("backend connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        Exchange e = exchange;
        if (e != null) {
            // Before the close, which would end a body that runs to the close as if it were whole.
            e.backendBroken();
        }
        ctx.close();
    }

    private void dropIdle(ChannelHandlerContext ctx) {
        owner.remove(backend, ctx.channel());
        ctx.close();
    }
}
