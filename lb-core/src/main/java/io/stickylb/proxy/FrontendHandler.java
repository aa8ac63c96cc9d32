package io.stickylb.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.codec.ClientRequest;
import io.stickylb.codec.RequestDecoder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of one connection. AUTO_READ is off: decoded request parts wait in a small queue (at most one
 * socket read's worth) and are handed to the current {@link Exchange}; the next read is requested only when the
 * backend can take more, and pipelined requests wait until the previous response is done.
 */
public final class FrontendHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);

    private final ProxyRuntime runtime;
    private final boolean tls;
    private final ArrayDeque<Object> pending = new ArrayDeque<>(4);
    private ChannelHandlerContext ctx;
    private ChannelHandlerContext wire;
    /** The peer's address and its text, once per connection rather than once per request. */
    private InetAddress peer;
    private String peerIp;
    private Exchange exchange;
    private boolean closing;
    private LazyDeadline responseDeadline;
    private LazyDeadline idleDeadline;
    private LazyDeadline bodyDeadline;
    /**
     * Set while the rest of an answered request's body is read and dropped, and while the connection lingers before
     * its close (see {@link BodyDiscard}).
     */
    private BodyDiscard discard;
    /** The answer went out and output was shut down (lingering close): a quiet gap may end the connection now. */
    private boolean finSent;
    /**
     * Counted in {@link ProxyRuntime#lingeringConnections()} until the channel closes (a shutdown waits for it): a
     * gentle close, or a request whose head was arriving when the shutdown began.
     */
    private boolean lingerCounted;
    /** Set while {@link #process()} runs: an exchange that ends inside it leaves the next request to that loop. */
    private boolean processing;

    public FrontendHandler(ProxyRuntime runtime) {
        this(runtime, false);
    }

    /** A handler for a connection that came over TLS when {@code tls} (its requests get X-Forwarded-Proto: https). */
    public FrontendHandler(ProxyRuntime runtime, boolean tls) {
        this.runtime = runtime;
        this.tls = tls;
    }

    /** True when the client's connection is TLS. */
    boolean tls() {
        return tls;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        // Writes from the encoder's own context start at the handler before it, so they skip the encoder.
        ChannelHandlerContext encoder = ctx.pipeline().context(ProxyServerInitializer.ENCODER);
        this.wire = encoder != null ? encoder : ctx;
        this.responseDeadline = new LazyDeadline(ctx.executor(), () -> {
            if (exchange != null) {
                exchange.responseTimedOut();
            }
        });
        // Keep-alive idle time: armed while no request is in progress, so a long response never counts as idle. A
        // head that started arriving is a request in progress too, bounded by header-timeout (HAProxy's timeout
        // http-request, nginx's client_header_timeout): closing it as idle would cut a client mid-request, silently.
        this.idleDeadline = new LazyDeadline(ctx.executor(), () -> {
            if (exchange == null && pending.isEmpty() && !headArriving()) {
                close();
            }
        });
        // A request body that stops arriving: armed only while the proxy asks the socket for body bytes, so a body
        // held back by a slow backend (backpressure) is never the client's fault.
        this.bodyDeadline = new LazyDeadline(ctx.executor(), () -> {
            if (exchange != null && exchange.wantsRequestContent()) {
                exchange.requestBodyTimedOut();
            }
        });
    }

    /**
     * The context that writes bytes straight to the socket, past the HTTP encoder: relayed responses are already
     * HTTP, and the encoder keeps state per message that raw bytes would confuse.
     */
    ChannelHandlerContext wire() {
        return wire;
    }

    /** The deadline for the current exchange's response head (one per connection: requests are answered in turn). */
    LazyDeadline responseDeadline() {
        return responseDeadline;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        idleDeadline.set(runtime.config().limits().clientIdleTimeout().toMillis());
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (discard != null) {
            discardContent(msg);
            return;
        }
        bodyDeadline.clear();
        pending.add(msg);
        process();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.flushBackend();
        }
        if (discard != null && discard.lingering()) {
            discard.awaitBytes();
            ctx.read();
            return;
        }
        maybeRead();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.clientWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        responseDeadline.cancel();
        idleDeadline.cancel();
        bodyDeadline.cancel();
        if (discard != null) {
            discard.cancel();
        }
        if (lingerCounted) {
            lingerCounted = false;
            runtime.lingerEnded();
        }
        releasePending();
        if (exchange != null) {
            Exchange e = exchange;
            exchange = null;
            e.clientClosed();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == GracefulShutdown.EVENT) {
            if (discard != null && !closing) {
                // No next request will be served: stop waiting for the body's end, but still let the answer land.
                lingerClose();
            } else if (exchange == null && pending.isEmpty() && discard == null) {
                if (headArriving() && !closing && ctx.channel().isActive()) {
                    // A request is on its way, not idle: let its head arrive (header-timeout still applies) and its
                    // answer go out with Connection: close. Counted like a gentle close, so the drain waits for it.
                    if (!lingerCounted) {
                        lingerCounted = true;
                        runtime.lingerStarted();
                    }
                } else {
                    close();
                }
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("client connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        close();
    }

    /** Hands queued request parts to the exchange, starting a new exchange for each request head. */
    void process() {
        boolean outermost = !processing;
        processing = true;
        try {
            while (!closing && !pending.isEmpty()) {
                if (exchange == null) {
                    Object msg = pending.poll();
                    if (msg instanceof HttpRequest request) {
                        start(request);
                    } else {
                        // Body of a request we already answered without a backend: drop it.
                        ReferenceCountUtil.release(msg);
                    }
                } else if (exchange.acceptsRequestContent()) {
                    exchange.forwardRequestContent((HttpContent) pending.poll());
                } else {
                    break;
                }
            }
        } finally {
            if (outermost) {
                processing = false;
            }
        }
    }

    /**
     * Drops queued body parts of the current request; true when its end was among them (the connection can carry on
     * with the next request), false when more body is still to come from the socket.
     */
    boolean skipQueuedBody() {
        Object m;
        while ((m = pending.peek()) instanceof HttpContent) {
            pending.poll();
            ReferenceCountUtil.release(m);
            if (m instanceof io.netty.handler.codec.http.LastHttpContent) {
                return true;
            }
        }
        return false;
    }

    /** Asks for the next socket read when the current state can take what it brings. */
    void maybeRead() {
        if (closing || !pending.isEmpty()) {
            return;
        }
        if (discard != null) {
            discard.awaitBytes();
            ctx.read();
        } else if (exchange == null) {
            ctx.read();
        } else if (exchange.wantsRequestContent()) {
            bodyDeadline.set(runtime.config().limits().clientIdleTimeout().toMillis());
            ctx.read();
        }
    }

    private void start(HttpRequest head) {
        if (head.decoderResult().isFailure() || !(head instanceof ClientRequest request)) {
            rejectMalformed(head);
            return;
        }
        HttpResponseStatus invalid = RequestValidator.check(request, runtime.config().limits().maxHeaderCount());
        if (invalid != null) {
            log.debug("rejected request from {}: {}", ctx.channel().remoteAddress(), invalid);
            runtime.localAnswers().answered(runtime, ctx.channel(), request, invalid);
            sendAndClose(invalid, request.method().equals(HttpMethod.HEAD));
            return;
        }
        long maxBody = runtime.config().limits().maxBodySize();
        if (maxBody > 0 && request.contentLength() > maxBody) {
            runtime.localAnswers().answered(runtime, ctx.channel(), request,
                    HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
            sendAndClose(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, request.method().equals(HttpMethod.HEAD));
            return;
        }
        Upstreams upstreams = runtime.upstreams();
        String canonical = upstreams.paths().normalize(request.uri());
        if (canonical != request.uri()) {
            // Routed and forwarded as the backend will read it; the encoder rebuilds the request line.
            request.setUri(canonical);
        }
        RequestTarget target = RequestTarget.of(request);
        BackendPool pool = upstreams.router().route(target.host(), target.path());
        if (pool == null) {
            answerLocally(request, HttpResponseStatus.NOT_FOUND);
            return;
        }
        if (peer == null) {
            peer = ((InetSocketAddress) ProxyProtocolHandler.clientAddress(ctx.channel())).getAddress();
            peerIp = NetUtil.toAddressString(peer);
        }
        idleDeadline.clear();
        exchange = new Exchange(this, ctx, runtime, upstreams, pool, request, peer, peerIp);
        exchange.dispatch();
    }

    private void rejectMalformed(HttpRequest head) {
        Throwable cause = head.decoderResult().cause();
        HttpResponseStatus status = HttpResponseStatus.BAD_REQUEST;
        if (cause instanceof TooLongHttpLineException) {
            status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
        } else if (cause instanceof TooLongHttpHeaderException) {
            status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        } else if (cause instanceof TooLongFrameException) {
            status = HttpResponseStatus.BAD_REQUEST;
        }
        log.debug("malformed request from {}: {}", ctx.channel().remoteAddress(), String.valueOf(cause));
        runtime.localAnswers().answered(runtime, ctx.channel(), head, status);
        // The decoder cannot find the next message boundary after an error, so the connection must end.
        sendAndClose(status, head.decoderResult().isSuccess() && head.method().equals(HttpMethod.HEAD));
    }

    /** Answers without a backend (404). Keeps the connection only when no request body is left to skip. */
    private void answerLocally(ClientRequest request, HttpResponseStatus status) {
        runtime.localAnswers().answered(runtime, ctx.channel(), request, status);
        boolean keepAlive = request.keepAlive() && !request.hasBody() && !runtime.draining();
        boolean head = request.method().equals(HttpMethod.HEAD);
        if (!keepAlive) {
            sendAndClose(status, head);
            return;
        }
        ctx.writeAndFlush(ErrorResponses.of(status, false, head));
        // A request answered here is activity like any other: the idle time counts from this answer, not from the
        // last one a backend gave, or a client busy with such requests is cut off as idle between two of them.
        idleDeadline.set(runtime.config().limits().clientIdleTimeout().toMillis());
    }

    void sendAndClose(HttpResponseStatus status) {
        sendAndClose(status, false);
    }

    /** Answers and closes; an answer to a HEAD request ({@code headRequest}) has no body (RFC 9110 §9.3.2). */
    void sendAndClose(HttpResponseStatus status, boolean headRequest) {
        closing = true;
        releasePending();
        FullHttpResponse response = ErrorResponses.of(status, true, headRequest);
        if (status.code() == HttpResponseStatus.METHOD_NOT_ALLOWED.code()) {
            // RFC 9110 §15.5.6: a 405 must say which methods would be served.
            response.headers().set(HttpHeaderNames.ALLOW, RequestValidator.FORWARDED_METHODS);
        }
        ctx.write(response);
        // The client may be sending a body (a 413 for its declared length, say): a plain close would reset the answer.
        lingerClose();
    }

    /**
     * Called by the exchange when its response is fully written (or it failed and answered); {@code requestComplete}
     * says whether the client's whole request was read. If not, the answer came early: the rest of the body is read
     * and dropped, and the connection carries on with the next request if it ends within bounds (see
     * {@link BodyDiscard}); a connection that must close lingers first, so unread body bytes cannot turn the close
     * into a reset that destroys the answer before the client reads it.
     */
    void exchangeDone(Exchange done, boolean keepAlive, boolean requestComplete, long nowNanos) {
        if (exchange != done) {
            return;
        }
        exchange = null;
        boolean bodyLeft = !requestComplete && !skipQueuedBody();
        if (!keepAlive || runtime.draining()) {
            if (bodyLeft || done.clientKeepAlive()) {
                // A client that asked to keep the connection may have pipelined more requests, here or still in the
                // socket: unread, they would turn a plain close into a reset, which drops what the client has not
                // read of this answer yet (RFC 9112 §9.6). One that asked for the close must not send more.
                lingerClose();
                return;
            }
            closing = true;
            releasePending();
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (bodyLeft) {
            startDiscard();
            maybeRead();
            return;
        }
        idleDeadline.set(runtime.config().limits().clientIdleTimeout().toMillis(), nowNanos);
        if (!processing) {
            // Inside process() (an answer given as its request started, with no backend), that loop takes the next
            // request: calling it from here would nest one level per queued request, and a read's worth of pipelined
            // requests to a pool that is down overflowed the event loop's stack.
            process();
        }
        maybeRead();
    }

    private void startDiscard() {
        var limits = runtime.config().limits();
        discard = new BodyDiscard(ctx.executor(), limits.clientIdleTimeout().toMillis(), limits.maxBodySize(),
                () -> discardExpired(false), () -> discardExpired(true));
    }

    private void discardExpired(boolean budgetSpent) {
        if (discard == null || !ctx.channel().isActive()) {
            return;
        }
        if (!discard.lingering()) {
            log.debug("client {} did not finish a body after its answer in time; closing",
                    ctx.channel().remoteAddress());
            lingerClose();
        } else if (budgetSpent || finSent) {
            // A quiet client ends the linger only once the answer is out: a slow reader still taking it in is not
            // cut off, and the budget bounds it.
            close();
        }
    }

    /** A part of the body being dropped: released at once; its end lets the connection go on with the next request. */
    private void discardContent(Object msg) {
        if (!(msg instanceof HttpContent content)) {
            // Cannot happen (a head comes only after the body's end), but must not be lost if it did.
            ReferenceCountUtil.release(msg);
            lingerClose();
            return;
        }
        boolean failed = content.decoderResult().isFailure();
        boolean last = content instanceof LastHttpContent;
        boolean withinLimit = discard.dropped(content.content().readableBytes());
        content.release();
        if (failed || !withinLimit) {
            lingerClose();
        } else if (last) {
            discard.cancel();
            discard = null;
            idleDeadline.set(runtime.config().limits().clientIdleTimeout().toMillis());
            // What follows in this read (a pipelined request) is queued as usual; channelReadComplete reads on.
        }
    }

    /**
     * Closes gently (RFC 9112 §9.6): what was written goes out, then a FIN, and what the client still sends is read
     * and dropped until it closes or the linger ends ({@link BodyDiscard}). Closing with unread bytes would send a
     * reset: the client's next write fails, and many TCP stacks drop the answer it has not read yet.
     */
    private void lingerClose() {
        closing = true;
        releasePending();
        responseDeadline.clear();
        idleDeadline.clear();
        bodyDeadline.clear();
        RequestDecoder decoder = ctx.pipeline().get(RequestDecoder.class);
        if (decoder != null) {
            decoder.abandon(); // what arrives from now on is skipped, not decoded
        }
        if (discard == null) {
            startDiscard();
        }
        discard.linger();
        Channel ch = ctx.channel();
        if (!lingerCounted && ch.isActive()) {
            lingerCounted = true;
            runtime.lingerStarted();
        }
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (f.isSuccess() && ch instanceof DuplexChannel duplex && ch.isActive()) {
                finSent = true;
                duplex.shutdownOutput();
                if (discard != null) {
                    discard.awaitBytes();
                }
            } else {
                ch.close();
            }
        });
        ctx.read();
    }

    /** The exchange failed before its response started, in a way that ends the connection: answer and close. */
    void exchangeAborted(Exchange aborted, HttpResponseStatus status, boolean headRequest) {
        if (exchange == aborted) {
            exchange = null;
        }
        sendAndClose(status, headRequest);
    }

    /**
     * The exchange's response broke off after its head went out: the connection ends. What the socket takes of the
     * relayed bytes still goes out, then the close tells the client the response is incomplete; no waiting for a full
     * flush, as a client that stopped reading must not hold it. When the body was to end with the close
     * ({@code closeDelimited}), a FIN would say it is complete, so the connection is reset instead.
     */
    void exchangeCutOff(Exchange aborted, boolean closeDelimited) {
        if (exchange == aborted) {
            exchange = null;
        }
        ctx.flush();
        if (closeDelimited) {
            ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        }
        close();
    }

    /**
     * The exchange's WebSocket handshake was accepted: this connection stops being HTTP and is joined to
     * {@code backendChannel}. A client that already sent more bytes broke the handshake (RFC 6455 §4.1: it waits for
     * the 101), and there is no telling which of them are frames, so both connections are closed instead. Returns
     * whether the tunnel opened (and took over the backend's in-flight count).
     */
    boolean openTunnel(Exchange done, Channel backendChannel, Backend backend, Duration idleTimeout) {
        if (exchange == done) {
            exchange = null;
        }
        responseDeadline.cancel();
        idleDeadline.cancel();
        bodyDeadline.cancel();
        RequestDecoder decoder = ctx.pipeline().get(RequestDecoder.class);
        if (closing || !pending.isEmpty() || decoder == null || decoder.buffered() > 0) {
            log.debug("client {} sent data before its WebSocket handshake was answered; closing",
                    ctx.channel().remoteAddress());
            backendChannel.close();
            close();
            return false;
        }
        closing = true;
        Tunnel.open(ctx.channel(), backendChannel, backend, idleTimeout);
        return true;
    }

    /** The request head did not arrive in time (header-timeout): 408, then the same gentle close as other errors. */
    void headTimedOut() {
        sendAndClose(HttpResponseStatus.REQUEST_TIMEOUT);
    }

    private boolean headArriving() {
        RequestDecoder decoder = ctx.pipeline().get(RequestDecoder.class);
        return decoder != null && decoder.headArriving();
    }

    /** True while a request is being proxied on this connection. */
    boolean busy() {
        return exchange != null;
    }

    /** Closes the client connection at once (an error after the response head was sent). */
    void close() {
        closing = true;
        releasePending();
        ctx.close();
    }

    private void releasePending() {
        Object m;
        while ((m = pending.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
    }
}
