package io.stickylb.sample;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one connection a request at a time. Auto-read is off and a flow-control handler sits in front, so each
 * {@code read()} yields one HTTP object: pipelined requests wait their turn, and bodies arrive only when asked for.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter implements Exchange.Connection {

    private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);

    private final BackendContext backend;
    private ChannelHandlerContext ctx;
    private Exchange current;
    private boolean closing;
    private boolean readWanted;

    ConnectionHandler(BackendContext backend) {
        this.backend = backend;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        backend.counters.connectionsAccepted.increment();
        backend.counters.connectionsOpen.increment();
        read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        backend.counters.connectionsOpen.decrement();
        closing = true;
        if (current != null) {
            Exchange aborted = current;
            current = null;
            aborted.abort();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        readWanted = false;
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest request) {
            onRequest(ctx, request);
        } else if (msg instanceof HttpContent content) {
            onContent(ctx, content);
        } else {
            ReferenceCountUtil.release(msg);
            read();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // A read cycle can end without yielding the object we asked for (the flow-control handler then forgets the
        // request), so ask again, or the connection would stall with bytes waiting in the socket.
        if (readWanted && !closing) {
            ctx.read();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void read() {
        readWanted = true;
        ctx.read();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (current != null) {
            current.writabilityChanged();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("connection {} failed: {}", ctx.channel(), cause.toString());
        } else {
            log.warn("connection {} failed", ctx.channel(), cause);
        }
        closing = true;
        ctx.close();
    }

    @Override
    public void exchangeDone(Exchange exchange, boolean keepAlive) {
        if (current != exchange) {
            return;
        }
        current = null;
        if (keepAlive && !backend.stopping) {
            // The next pipelined request, if any, is already decoded and waiting in the flow-control handler.
            read();
        } else {
            closing = true;
            ctx.close();
        }
    }

    private void onRequest(ChannelHandlerContext ctx, HttpRequest request) {
        backend.counters.requests.increment();
        if (request.decoderResult().isFailure()) {
            rejectMalformed(ctx, request.decoderResult().cause());
            ReferenceCountUtil.release(request);
            return;
        }
        if (current != null) {
            // Cannot happen with one read at a time; guard against a confused peer anyway.
            ReferenceCountUtil.release(request);
            closing = true;
            ctx.close();
            return;
        }
        if (WebSocketEndpoint.isHandshake(request)) {
            if (!WebSocketEndpoint.accept(ctx, request, backend)) {
                read(); // answered 426: the connection stays HTTP
            }
            return;
        }
        Route route = Router.route(request);
        current = new Exchange(ctx, request, backend, route, this);
        current.begin();
    }

    private void onContent(ChannelHandlerContext ctx, HttpContent content) {
        if (content.decoderResult().isFailure()) {
            content.release();
            closing = true;
            ctx.close();
            return;
        }
        if (current == null) {
            content.release();
            read();
            return;
        }
        current.onContent(content);
    }

    private void rejectMalformed(ChannelHandlerContext ctx, Throwable cause) {
        HttpResponseStatus status = cause instanceof TooLongHttpHeaderException
                ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                : cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                : cause instanceof TooLongFrameException ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE
                : HttpResponseStatus.BAD_REQUEST;
        String json = new Json().field("backend", backend.id).field("error", String.valueOf(cause)).toString();
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(json, StandardCharsets.UTF_8));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                .set("X-Backend-Id", backend.id);
        // After a framing error the decoder cannot find the next request, so the connection ends here.
        closing = true;
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
