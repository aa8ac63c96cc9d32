package io.stickylb.sample;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import io.stickylb.sample.capacity.ConcurrencyLimiter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request on one connection, from its head to the last byte of its response: reads or discards the body, waits
 * for admission (concurrency slot, then service time), runs the endpoint and hands the connection back when done.
 * Every method runs on the connection's event loop.
 */
final class Exchange {

    /** The connection an exchange runs on. */
    interface Connection {

        /** Asks for the next inbound HTTP object; the connection keeps asking until one arrives. */
        void read();

        /** The response is complete; {@code keepAlive} says whether the connection may serve another request. */
        void exchangeDone(Exchange exchange, boolean keepAlive);
    }

    private static final Logger log = LoggerFactory.getLogger(Exchange.class);

    private final ChannelHandlerContext ctx;
    private final HttpRequest request;
    private final BackendContext backend;
    private final Route route;
    private final Connection connection;
    private final boolean head;
    private boolean keepAlive;
    private QueryStringDecoder query;

    private boolean requestComplete;
    private boolean responseStarted;
    private boolean finished;
    private boolean aborted;
    private ConcurrencyLimiter.Permit permit;
    private ScheduledFuture<?> pending;
    private Consumer<HttpContent> bodyConsumer;
    private Runnable writabilityListener;

    Exchange(ChannelHandlerContext ctx, HttpRequest request, BackendContext backend, Route route,
            Connection connection) {
        this.ctx = ctx;
        this.request = request;
        this.backend = backend;
        this.route = route;
        this.connection = connection;
        this.head = HttpMethod.HEAD.equals(request.method());
        this.keepAlive = HttpUtil.isKeepAlive(request) && !backend.stopping;
    }

    // ---- driven by the connection

    void begin() {
        if (route.streamsBody()) {
            admit();
        } else {
            connection.read();
        }
    }

    void onContent(HttpContent content) {
        if (content instanceof LastHttpContent) {
            requestComplete = true;
        }
        if (bodyConsumer != null) {
            bodyConsumer.accept(content);
            return;
        }
        content.release();
        if (!requestComplete) {
            connection.read();
        } else if (!route.streamsBody()) {
            admit();
        }
    }

    void writabilityChanged() {
        if (writabilityListener != null && !aborted && ctx.channel().isWritable()) {
            writabilityListener.run();
        }
    }

    /** The connection closed under the exchange: stop timers and streams, give the slot back. */
    void abort() {
        if (aborted) {
            return;
        }
        aborted = true;
        if (pending != null) {
            pending.cancel(false);
        }
        releasePermit();
    }

    // ---- for endpoints

    HttpRequest request() {
        return request;
    }

    BackendContext backend() {
        return backend;
    }

    QueryStringDecoder query() {
        if (query == null) {
            query = new QueryStringDecoder(request.uri());
        }
        return query;
    }

    ByteBufAllocator allocator() {
        return ctx.alloc();
    }

    boolean isHead() {
        return head;
    }

    boolean isAborted() {
        return aborted;
    }

    /** Ends the connection after this response, e.g. for a close-delimited body. */
    void disableKeepAlive() {
        keepAlive = false;
    }

    /** Runs {@code task} on this connection's event loop after {@code millis}, unless the connection closes first. */
    void later(long millis, Runnable task) {
        pending = ctx.executor().schedule(() -> {
            if (!aborted) {
                task.run();
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    /** Runs {@code task} on this connection's event loop (at once if already there), unless it has closed. */
    void onEventLoop(Runnable task) {
        if (ctx.executor().inEventLoop()) {
            if (!aborted) {
                task.run();
            }
        } else {
            ctx.executor().execute(() -> {
                if (!aborted) {
                    task.run();
                }
            });
        }
    }

    /** Sends a complete response and finishes; for HEAD the body is dropped and its length kept. */
    void respond(FullHttpResponse response) {
        FullHttpResponse out = response;
        int status = response.status().code();
        boolean bodyless = status == 204 || status == 304 || status < 200;
        if (status == 204) {
            response.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
        } else if (!response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            HttpUtil.setContentLength(response, response.content().readableBytes());
        }
        if (head || bodyless) {
            out = response.replace(Unpooled.EMPTY_BUFFER);
            response.release();
        }
        decorate(out);
        responseStarted = true;
        finish(ctx.writeAndFlush(out));
    }

    void respondJson(HttpResponseStatus status, String json) {
        respond(json(status, json));
    }

    /** A JSON response not yet sent, for endpoints that add headers first. */
    FullHttpResponse json(HttpResponseStatus status, String json) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(json, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        return response;
    }

    void respondError(HttpResponseStatus status, String message) {
        respondJson(status, new Json().field("backend", backend.id).field("error", message).toString());
    }

    /** Writes (without flushing) the head of a streamed response. */
    ChannelFuture writeHead(HttpResponse response) {
        decorate(response);
        responseStarted = true;
        return ctx.write(response);
    }

    ChannelFuture write(HttpContent content) {
        return ctx.write(content).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    void flush() {
        ctx.flush();
    }

    boolean isWritable() {
        return ctx.channel().isWritable();
    }

    /** Called whenever the channel turns writable again. */
    void onWritable(Runnable listener) {
        writabilityListener = listener;
    }

    /** Hands every further body part to {@code consumer}, which owns it, and asks for the first. */
    void streamBody(Consumer<HttpContent> consumer) {
        bodyConsumer = consumer;
        readBody();
    }

    /** Asks for the next body part; the consumer calls it when it is ready for more. */
    void readBody() {
        if (!aborted && !requestComplete) {
            connection.read();
        }
    }

    /** Completes the exchange once {@code lastWrite} succeeds; a failed write closes the connection. */
    void finish(ChannelFuture lastWrite) {
        lastWrite.addListener(f -> {
            if (!f.isSuccess()) {
                log.debug("write failed on {}: {}", ctx.channel(), f.cause().toString());
                releasePermit();
                ctx.close();
                return;
            }
            complete();
        });
    }

    /** Drops the connection without a response, as {@code /close} wants. */
    void closeWithoutAnswer() {
        finished = true;
        releasePermit();
        ctx.close();
    }

    // ---- internals

    private void admit() {
        if (!route.admitted()) {
            run();
            return;
        }
        permit = backend.limiter.acquire(ctx.executor(), this::granted);
    }

    private void granted() {
        if (aborted) {
            releasePermit();
            return;
        }
        long nanos = backend.serviceTime.nextNanos();
        if (nanos > 0) {
            pending = ctx.executor().schedule(this::run, nanos, TimeUnit.NANOSECONDS);
        } else {
            run();
        }
    }

    private void run() {
        if (aborted) {
            return;
        }
        try {
            route.endpoint().handle(this);
        } catch (RuntimeException e) {
            log.warn("{} {} failed", request.method(), request.uri(), e);
            if (responseStarted) {
                ctx.close();
            } else {
                respondError(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error: " + e);
            }
        }
    }

    private void decorate(HttpResponse response) {
        response.headers().set("X-Backend-Id", backend.id);
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    private void complete() {
        if (finished) {
            return;
        }
        finished = true;
        releasePermit();
        // A body we never read would be parsed as the next request: only a fully read request keeps the connection.
        connection.exchangeDone(this, keepAlive && requestComplete && !aborted);
    }

    private void releasePermit() {
        if (permit != null) {
            permit.release();
        }
    }
}
