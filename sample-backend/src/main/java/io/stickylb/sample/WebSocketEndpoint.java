package io.stickylb.sample;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.ReferenceCountUtil;

/**
 * {@code /ws}: a WebSocket whose every text message is answered with a JSON object naming this backend, the session
 * id the handshake carried, how many messages this socket has answered, and the message. Behind a load balancer it
 * shows where a WebSocket landed and that a sticky one lands with its session. Other frames follow RFC 6455 (ping is
 * answered with pong, close with close).
 */
final class WebSocketEndpoint extends ChannelInboundHandlerAdapter {

    static final String PATH = "/ws";
    private static final int MAX_FRAME = 64 * 1024;

    private final BackendContext backend;
    private final WebSocketServerHandshaker handshaker;
    private final String session;
    private long answered;

    private WebSocketEndpoint(BackendContext backend, WebSocketServerHandshaker handshaker, String session) {
        this.backend = backend;
        this.handshaker = handshaker;
        this.session = session;
    }

    /** True for a WebSocket opening handshake (RFC 6455 §4.1) to {@link #PATH}. */
    static boolean isHandshake(HttpRequest request) {
        return HttpMethod.GET.equals(request.method()) && PATH.equals(RequestPath.forRouting(request.uri()))
                && request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                && request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    /**
     * Answers the handshake and turns the connection into a WebSocket: the HTTP handlers after the codec go (Netty's
     * handshaker swaps the codec itself), this endpoint takes their place. Returns false, having answered 426, for
     * a WebSocket version Netty does not speak.
     */
    static boolean accept(ChannelHandlerContext ctx, HttpRequest request, BackendContext backend) {
        // A GET handshake has no body: the head is all the handshaker needs.
        FullHttpRequest full = new DefaultFullHttpRequest(request.protocolVersion(), request.method(), request.uri(),
                Unpooled.EMPTY_BUFFER, request.headers(), EmptyHttpHeaders.INSTANCE);
        String host = request.headers().get(HttpHeaderNames.HOST, "localhost");
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory("ws://" + host + PATH, null, false,
                MAX_FRAME).newHandshaker(full);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return false;
        }
        SessionCookie.Requested requested = SessionCookie.requested(request);
        WebSocketEndpoint endpoint = new WebSocketEndpoint(backend, handshaker,
                requested == null ? null : requested.value());
        ChannelPipeline p = ctx.pipeline();
        p.replace(ctx.name(), "websocket", endpoint);
        // Removing flow control hands on what it held (the request's empty end): the endpoint drops it.
        p.remove(HttpInitializer.CONTINUE);
        p.remove(HttpInitializer.FLOW);
        handshaker.handshake(ctx.channel(), full).addListener(f -> {
            if (f.isSuccess()) {
                ctx.channel().config().setAutoRead(true);
            } else {
                ctx.channel().close();
            }
        });
        return true;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof TextWebSocketFrame text) {
            answered++;
            String reply = new Json().field("backend", backend.id).field("session", session)
                    .field("messages", answered).field("echo", text.text()).toString();
            text.release();
            ctx.writeAndFlush(new TextWebSocketFrame(reply));
        } else if (msg instanceof PingWebSocketFrame ping) {
            ctx.writeAndFlush(new PongWebSocketFrame(ping.content()));
        } else if (msg instanceof CloseWebSocketFrame close) {
            handshaker.close(ctx.channel(), close);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // The connection handler this endpoint replaced counted the connection as open.
        backend.counters.connectionsOpen.decrement();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
