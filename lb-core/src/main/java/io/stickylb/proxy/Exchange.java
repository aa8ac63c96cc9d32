package io.stickylb.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.codec.BackendResponse;
import io.stickylb.codec.ChunkFraming;
import io.stickylb.codec.ClientRequest;
import io.stickylb.codec.ResponseDecoder;
import io.stickylb.config.PoolConfig;
import io.stickylb.metrics.ErrorKind;
import io.stickylb.pool.ConnectionWaiter;
import io.stickylb.pool.LocalConnectFailure;
import io.stickylb.pool.UpstreamConnections;
import io.stickylb.routing.RequestContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * One request and its response through the proxy: choose a backend, take a pooled connection or open one on the
 * client's event loop, stream the request up and the response down, then return the connection to its pool.
 * Failures before the first response byte are retried or answered (502/503/504); failures after it close the
 * client connection so a truncated response never looks complete. A WebSocket handshake the backend accepts (101)
 * ends the exchange with both connections handed to a {@link Tunnel}. Runs entirely on the client's event loop.
 */
final class Exchange implements ConnectionWaiter {

    /** Bodies up to this size that arrive with their head go out in the head's buffer. */
    private static final int MERGE_BODY_BYTES = 1024;

    private final FrontendHandler frontend;
    private final ChannelHandlerContext client;
    private final ProxyRuntime runtime;
    private final BackendPool pool;
    private final PoolConfig poolConfig;
    private final ClientRequest request;
    private final RequestContext rctx;
    private final UpstreamConnections connections;
    private final HttpMethod method;
    private final String uri;
    private final String clientIp;
    private final boolean clientKeepAlive;
    private final boolean http10;
    /** The request is a WebSocket handshake, forwarded as one: a 101 answer opens a tunnel. */
    private final boolean upgrade;
    private final long startNanos = System.nanoTime();
    private final ReplayBuffer replay;
    /** Where relayed response bytes are written: past the HTTP encoder, which only serves stickylb's own answers. */
    private final ChannelHandlerContext wire;

    private Backend backend;
    /** The backend whose failure the next {@link #dispatch()} retries, so its retry counts only if one is sent. */
    private Backend retriedFrom;
    private boolean backendCounted;
    private Channel backendChannel;
    private BackendHandler backendHandler;
    private boolean reused;
    private boolean forwardHookDone;
    private boolean hostAdded;
    private int attempts;
    private long requestBodyBytes;
    /** Request bytes the backend's socket had taken at its last idle event, or -1 (see requestStalled). */
    private long takenAtLastIdle = -1;
    private boolean requestComplete;
    private boolean responseStarted;
    private boolean interim;
    /** A {@code 100 Continue} went to the client: a client that held its body back for one is sending it now. */
    private boolean continued;
    private boolean switching;
    private boolean chunkBody;
    /** The client reads the relayed body up to the close (HTTP/1.0): a plain close would make a cut one look whole. */
    private boolean closeDelimited;
    private ByteBuf heldHead;
    private ResponseDecoder responseDecoder;
    private boolean backendKeepAlive;
    private boolean closeClient;
    private boolean done;
    private int status;
    private long responseBytes;
    /** Body bytes of an answer stickylb wrote itself (502, 503, 504, ...): logged, but never the backend's. */
    private int localBytes;
    private long headNanos;
    /** The last backend failure of this exchange (a retry may have followed it), or null. */
    private ErrorKind lastFailure;
    /** Why the exchange ended without its whole answer, for the access log; null when it had one. */
    private String end;
    /** Set while the exchange waits in line for a connection (see {@link #waitForConnection}). */
    private ScheduledFuture<?> waitTimer;

    Exchange(FrontendHandler frontend, ChannelHandlerContext client, ProxyRuntime runtime, Upstreams upstreams,
             BackendPool pool, ClientRequest request, InetAddress peer, String peerIp) {
        this.frontend = frontend;
        this.client = client;
        this.runtime = runtime;
        this.pool = pool;
        this.poolConfig = pool.config();
        this.request = request;
        this.method = request.method();
        this.uri = request.uri();
        this.clientKeepAlive = request.keepAlive();
        this.http10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
        this.connections = runtime.connections().forLoop(client.channel().eventLoop());
        InetAddress clientAddress = upstreams.clientAddresses().resolve(peer, request.headers());
        this.rctx = new RequestContext(pool, request, clientAddress);
        // An idempotent body is held even with retries: 0: a pooled connection the backend closed as the request
        // went out is replayed on a fresh connection to the same backend, which is no retry elsewhere.
        boolean retriable = RetryPolicy.isIdempotent(method)
                || poolConfig.retry().retries() > 0 && poolConfig.retry().retryNonIdempotent();
        // A request without a body needs nothing held to be sent again.
        this.replay = retriable && request.hasBody() ? new ReplayBuffer(poolConfig.retry().bufferBytes()) : null;
        this.clientIp = peerIp;
        this.wire = frontend.wire();
        // No new long-lived tunnel while shutting down: the backend answers in HTTP and the connection closes.
        this.upgrade = !runtime.draining() && WebSocketUpgrade.requested(request);
        toOriginForm();
        if (upstreams.forwardedHeaders()) {
            ForwardedHeaders.rewriteRequest(request, clientIp, upstreams.clientAddresses().isTrusted(peer),
                    frontend.tls());
        } else {
            ForwardedHeaders.rewriteHopByHop(request);
        }
        if (upgrade) {
            WebSocketUpgrade.forward(request.headers());
        }
        if (http10) {
            // RFC 9110 §10.1.1: a 100-continue in an HTTP/1.0 request is ignored. Forwarded in HTTP/1.1 it would be
            // honoured: a body the client sends unasked taken for one held back until the backend asks for it.
            request.headers().remove(HttpHeaderNames.EXPECT);
        }
        runtime.exchangeStarted();
    }

    /** Chooses a backend and gets a connection to it; may be called again to retry elsewhere. */
    void dispatch() {
        Backend b = pool.strategy().choose(rctx);
        Backend from = retriedFrom;
        retriedFrom = null;
        if (b != null && from != null) {
            // Counted once the retry has somewhere to go: with every other backend excluded or down the request
            // ends in a 502 on the spot, and a retry counter that went up then would show retries that never ran.
            from.stats().retries.increment();
        }
        if (b == null) {
            // With every backend excluded by retries, the last failure speaks for the request (502) — unless the
            // affinity strategy refused to redispatch (on-unavailable: fail), which is a 503 like any other refusal.
            boolean refused = rctx.affinity().broken();
            if (refused) {
                end = "affinity-refused";
            } else if (attempts == 0) {
                end = "no-backend";
                // Still set only if a reload removed the backend this request waited in line for and never reached:
                // the 503 is no backend's answer (the removed one's series are gone), so its access line names none.
                backend = null;
            }
            fail(attempts > 0 && !refused ? HttpResponseStatus.BAD_GATEWAY : HttpResponseStatus.SERVICE_UNAVAILABLE);
            return;
        }
        attempts++;
        connectTo(b, true);
    }

    private void connectTo(Backend b, boolean mayReuse) {
        backend = b;
        backendCounted = true;
        b.requestStarted();
        obtainOrWait(b, mayReuse);
    }

    private void obtainOrWait(Backend b, boolean mayReuse) {
        // Requests already in line for this backend's connections go first.
        if (connections.hasWaiters(b) || !obtainConnection(b, mayReuse)) {
            waitForConnection(b);
        }
    }

    /**
     * Attaches an idle pooled connection or starts a new one; false, doing nothing, when {@code
     * max-pending-per-backend} connects to this backend are already open.
     */
    private boolean obtainConnection(Backend b, boolean mayReuse) {
        Channel idle = mayReuse ? connections.pollIdle(b) : null;
        if (idle != null) {
            reused = true;
            attach(idle);
            return true;
        }
        reused = false;
        if (!b.tryStartConnect(runtime.config().limits().maxPendingPerBackend())) {
            return false;
        }
        int timeout = (int) Math.min(Integer.MAX_VALUE, poolConfig.timeouts().connect().toMillis());
        InetSocketAddress address = b.socketAddress();
        BackendChannelInitializer init =
                new BackendChannelInitializer(poolConfig.timeouts().idle(), address, b, connections);
        connections.connect(b, address, timeout, init)
                .addListener((Future<Channel> f) -> {
                    connections.connectFinished(b);
                    connected(b, address, f);
                });
        return true;
    }

    /**
     * Too many connects to this backend are open, as in a burst of new clients to a cold pool: wait in line for the
     * next connection released on this loop or connect slot freed, for at most the connect timeout (then 503), rather
     * than answer 503 at once or open connections without bound. HAProxy's server queue does the same.
     */
    private void waitForConnection(Backend b) {
        waitTimer = client.executor().schedule(this::waitedTooLong, poolConfig.timeouts().connect().toMillis(),
                TimeUnit.MILLISECONDS);
        connections.await(b, this);
    }

    /** The connect timeout passed in line: shed the request (503), as a full backend does. */
    private void waitedTooLong() {
        waitTimer = null;
        if (!done && connections.cancelWait(backend, this)) {
            backend.stats().queueTimeouts.increment();
            end = "queue-timeout";
            fail(HttpResponseStatus.SERVICE_UNAVAILABLE);
        }
    }

    /** Another try after a wake-up in line. */
    @Override
    public boolean tryAgain() {
        if (done) {
            return true;
        }
        // Out of line while trying: a connect that fails at once may end the exchange, or retry it elsewhere and put
        // it in another backend's line with a timer of its own; neither must touch this line's timer or entry.
        ScheduledFuture<?> timer = waitTimer;
        waitTimer = null;
        if (!obtainConnection(backend, true)) {
            waitTimer = timer;
            return false;
        }
        timer.cancel(false);
        return true;
    }

    /**
     * The backend this request waited for was removed by a reload: choose again, as if it had never been chosen (so
     * with no backend left the answer is 503, not the 502 of a failed attempt). In a pool the reload removed whole,
     * the other removed backends follow one by one until none is left.
     */
    @Override
    public void backendRemoved() {
        if (done) {
            return;
        }
        // Already out of line; this cancels the line's timer.
        stopWaiting();
        endBackend();
        rctx.refreshSnapshot();
        rctx.exclude(backend);
        attempts--;
        dispatch();
    }

    /** Leaves the line, if in it, when the exchange ends some other way (the client left, a timeout, shutdown). */
    private void stopWaiting() {
        if (waitTimer != null) {
            waitTimer.cancel(false);
            waitTimer = null;
            connections.cancelWait(backend, this);
        }
    }

    private void connected(Backend b, InetSocketAddress address, Future<Channel> f) {
        if (done) {
            // The client left while we were connecting; a fresh, unused connection is still good for the pool.
            if (f.isSuccess()) {
                connections.release(b, f.getNow(), address);
            }
            return;
        }
        if (f.isSuccess()) {
            attach(f.getNow());
            return;
        }
        if (LocalConnectFailure.is(f.cause())) {
            // This process is out of descriptors or ports: charging the backend would eject healthy backends one
            // after another, and another backend would fail the same way, so no retry either (HAProxy's 503).
            end = "local-resources";
            endBackend();
            fail(HttpResponseStatus.SERVICE_UNAVAILABLE);
            return;
        }
        recordFailure(b, ErrorKind.CONNECT);
        endBackend();
        if (RetryPolicy.mayRetry(poolConfig.retry(), ErrorKind.CONNECT, method, bodyHeld(), attempts)) {
            retryElsewhere(b);
        } else {
            fail(HttpResponseStatus.BAD_GATEWAY);
        }
    }

    private void attach(Channel ch) {
        backendChannel = ch;
        takenAtLastIdle = -1;
        backendHandler = ch.pipeline().get(BackendHandler.class);
        backendHandler.bind(this);
        responseDecoder = ch.pipeline().get(ResponseDecoder.class);
        responseDecoder.expectResponseTo(method, upgrade);
        if (!forwardHookDone) {
            forwardHookDone = true;
            pool.strategy().beforeForward(rctx, request);
            // HTTP/1.0 may omit Host, but what we forward is HTTP/1.1, which requires it (RFC 9112 §3.2).
            hostAdded = !request.headers().contains(HttpHeaderNames.HOST);
        }
        if (hostAdded) {
            request.headers().set(HttpHeaderNames.HOST, backend.endpoint().toString());
        }
        ch.write(request, ch.voidPromise());
        if (requestBodyBytes > 0 || requestComplete) {
            // A replay: what the client already sent was consumed by the failed attempt.
            if (replay != null) {
                replay.replay(ch, requestComplete);
            } else {
                ch.write(LastHttpContent.EMPTY_LAST_CONTENT, ch.voidPromise());
            }
            if (requestComplete) {
                startResponseTimer();
            }
        }
        frontend.process();
        ch.flush();
        frontend.maybeRead();
    }

    /** Whether the client asked to keep its connection (HTTP/1.1 without {@code close}, or 1.0 keep-alive). */
    boolean clientKeepAlive() {
        return clientKeepAlive;
    }

    boolean acceptsRequestContent() {
        return backendChannel != null && !requestComplete && !done;
    }

    boolean wantsRequestContent() {
        return acceptsRequestContent() && backendChannel.isWritable();
    }

    void forwardRequestContent(HttpContent content) {
        if (content.decoderResult().isFailure()) {
            // A malformed body (bad chunk framing) cannot be forwarded or resynchronised.
            content.release();
            abortBadRequest();
            return;
        }
        requestBodyBytes += content.content().readableBytes();
        long maxBody = runtime.config().limits().maxBodySize();
        if (maxBody > 0 && requestBodyBytes > maxBody) {
            // A chunked body that outgrew the limit: the backend already has part of it, so that connection goes too.
            content.release();
            abortWith(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (replay != null) {
            replay.add(content);
        }
        backendChannel.write(content, backendChannel.voidPromise());
        if (last) {
            requestComplete = true;
            if (!responseStarted) {
                startResponseTimer();
            }
        }
    }

    void flushBackend() {
        if (backendChannel != null) {
            backendChannel.flush();
        }
    }

    void flushClient() {
        writeHeldHead();
        client.flush();
    }

    void onBackendMessage(Object msg) {
        if (done) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse response) {
            if (response.decoderResult().isFailure() || !(response instanceof BackendResponse head)) {
                ReferenceCountUtil.release(msg);
                backendFailed(ErrorKind.PROTOCOL);
                return;
            }
            int code = head.status().code();
            if (code < 100 || code > 599) {
                // RFC 9110 §15: a status code is three digits; anything else is not HTTP.
                head.release();
                backendFailed(ErrorKind.PROTOCOL);
                return;
            }
            if (code < 200) {
                if (code == 101) {
                    if (upgrade && WebSocketUpgrade.accepted(head)) {
                        relaySwitch(head);
                        return;
                    }
                    // A switch nobody asked for (only WebSocket handshakes are forwarded) is a backend error.
                    head.release();
                    backendFailed(ErrorKind.PROTOCOL);
                    return;
                }
                interim = true;
                if (requestComplete) {
                    // An interim answer (102 Processing) is how a backend says it is still working: the wait for the
                    // final head starts again, as any read restarts HAProxy's server timeout and nginx's read timeout.
                    startResponseTimer();
                }
                if (http10) {
                    // RFC 9110 §15.2: no 1xx to an HTTP/1.0 client; it waits for the final answer.
                    head.release();
                } else {
                    continued |= code == 100;
                    if (head.hasHopByHop()) {
                        ForwardedHeaders.rewriteResponse(head);
                    }
                    dropBodyFraming(head);
                    // RFC 9110 §6.2: an intermediary sends its own version, in interim answers as in final ones.
                    head.setProtocolVersion(HttpVersion.HTTP_1_1);
                    writeHead(head, 0);
                }
            } else if (RetryPolicy.mayRetryStatus(poolConfig.retry(), code, method, bodyHeld(), attempts)
                    && anotherCandidate()) {
                // retry-on: [503] and the like: drop this answer (and its connection) and ask another backend.
                head.release();
                cancelResponseTimer();
                Backend failed = backend;
                // Not a response in the backend's counters (no client got it); the retry counts, and passive health
                // still hears the 503.
                pool.outcomes().response(failed, code);
                closeBackendChannel();
                endBackend();
                retryElsewhere(failed);
                return;
            } else if (http10 && head.hasOtherCodings()) {
                // RFC 9112 §6.1: no Transfer-Encoding to an HTTP/1.0 client, and without it a gzip or other coding,
                // which stickylb does not decode, would pass for the content itself. nginx answers 502 too. The
                // backend, asked in HTTP/1.1, did nothing wrong: counted as its error, but not against its health.
                head.release();
                lastFailure = ErrorKind.PROTOCOL;
                backend.stats().error(ErrorKind.PROTOCOL);
                closeBackendChannel();
                endBackend();
                fail(HttpResponseStatus.BAD_GATEWAY);
            } else {
                relayHead(head);
            }
            return;
        }
        HttpContent content = (HttpContent) msg;
        if (content.decoderResult().isFailure()) {
            content.release();
            backendFailed(ErrorKind.PROTOCOL);
            return;
        }
        relayContent(content);
    }

    private void relayHead(BackendResponse response) {
        cancelResponseTimer();
        responseStarted = true;
        if (runtime.accessLog().enabled()) {
            headNanos = System.nanoTime(); // a clock read per request only when someone reads it
        }
        status = response.status().code();
        backendKeepAlive = response.keepAlive();
        if (response.hasHopByHop()) {
            ForwardedHeaders.rewriteResponse(response);
        }
        pool.strategy().beforeRespond(rctx, response);
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (status == HttpResponseStatus.NO_CONTENT.code()) {
            dropBodyFraming(response);
        }
        closeClient = !clientKeepAlive || runtime.draining() || bodyMayNeverCome();
        switch (response.framing()) {
            case UNTIL_CLOSE -> {
                // Read-until-close from the backend: re-frame as chunks for HTTP/1.1, or close for HTTP/1.0. Codings
                // before a missing final chunked (RFC 9112 §6.3) stay named, so that body also runs to the close.
                if (http10 || response.hasOtherCodings()) {
                    if (http10) {
                        response.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
                    }
                    closeClient = true;
                    closeDelimited = true;
                } else {
                    response.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                    chunkBody = true;
                }
            }
            case CHUNKED -> {
                if (http10) {
                    // HTTP/1.0 has no chunked coding: send the raw body and mark its end by closing.
                    response.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
                    responseDecoder.dechunk();
                    closeClient = true;
                    closeDelimited = true;
                }
            }
            default -> {
                if (http10 && response.framing() == BackendResponse.Framing.NONE) {
                    // A body-less answer (to HEAD, say) may still name chunked, which HTTP/1.0 does not know.
                    response.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
                }
            }
        }
        if (closeClient) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        backend.stats().response(status);
        pool.outcomes().response(backend, status);
        int inline = response.inlineBody();
        responseBytes += inline;
        // A small body that did not arrive with its head (it is inline otherwise) is held for, then merged.
        boolean small = inline == 0 && response.framing() == BackendResponse.Framing.LENGTH
                && response.contentLength() <= MERGE_BODY_BYTES;
        writeHead(response, small ? (int) response.contentLength() : 0);
    }

    /**
     * A 1xx or 204 has no body, and RFC 9112 §6.1 and RFC 9110 §8.6 forbid sending it Transfer-Encoding or
     * Content-Length: a recipient that does not know the status would wait for a body that never comes, or take the
     * next response for it.
     */
    private static void dropBodyFraming(BackendResponse response) {
        HttpHeaders h = response.headers();
        if (h.contains(HttpHeaderNames.TRANSFER_ENCODING) || h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            h.remove(HttpHeaderNames.TRANSFER_ENCODING);
            h.remove(HttpHeaderNames.CONTENT_LENGTH);
        }
    }

    /** Relays the backend's 101 to a WebSocket handshake; the tunnel opens at the end of that response. */
    private void relaySwitch(BackendResponse response) {
        cancelResponseTimer();
        responseStarted = true;
        switching = true;
        if (runtime.accessLog().enabled()) {
            headNanos = System.nanoTime();
        }
        status = response.status().code();
        ForwardedHeaders.rewriteResponse(response);
        WebSocketUpgrade.forward(response.headers());
        pool.strategy().beforeRespond(rctx, response);
        backend.stats().response(status);
        pool.outcomes().response(backend, status);
        writeHead(response, 0);
    }

    /**
     * The 101 has been relayed: the exchange is over and its connections become a tunnel, which keeps the backend's
     * in-flight count until it closes.
     */
    private void openTunnel() {
        done = true;
        Channel ch = backendChannel;
        backendHandler.unbind();
        backendChannel = null;
        finish();
        if (frontend.openTunnel(this, ch, backend, poolConfig.timeouts().tunnel())) {
            backendCounted = false; // the tunnel holds the in-flight count now
        } else {
            endBackend();
        }
    }

    /**
     * Writes a head; with {@code bodyBytes} > 0 a rebuilt head is held back with room for that small a body, so head
     * and body leave in one buffer (one send instead of a two-buffer writev). Held at most until the end of the
     * current read from the backend.
     */
    private void writeHead(BackendResponse response, int bodyBytes) {
        ByteBuf bytes = response.encode(client.alloc(), bodyBytes);
        response.release();
        if (bodyBytes > 0 && bytes.isWritable(bodyBytes)) {
            heldHead = bytes;
            return;
        }
        wire.write(bytes, wire.voidPromise());
    }

    private void writeHeldHead() {
        ByteBuf h = heldHead;
        if (h != null) {
            heldHead = null;
            wire.write(h, wire.voidPromise());
        }
    }

    private void relayContent(HttpContent content) {
        ByteBuf data = content.content();
        if (switching) {
            content.release(); // the (empty) end of the 101
            openTunnel();
            return;
        }
        if (interim) {
            // The (empty) end of a 1xx interim response.
            interim = !(content instanceof LastHttpContent);
            content.release();
            return;
        }
        if (content instanceof LastHttpContent) {
            content.release();
            writeHeldHead();
            if (chunkBody) {
                wire.write(ChunkFraming.lastChunk(), wire.voidPromise());
            }
            responseComplete();
            return;
        }
        int n = data.readableBytes();
        responseBytes += n;
        if (n == 0) {
            data.release();
            return;
        }
        if (chunkBody) {
            wire.write(ChunkFraming.sizeLine(client.alloc(), n), wire.voidPromise());
            wire.write(data, wire.voidPromise());
            wire.write(ChunkFraming.crlf(), wire.voidPromise());
        } else if (heldHead != null && heldHead.isWritable(n)) {
            heldHead.writeBytes(data);
            data.release();
            writeHeldHead();
        } else {
            writeHeldHead();
            wire.write(data, wire.voidPromise());
        }
        if (!client.channel().isWritable() && backendChannel != null) {
            // Slow client: stop reading the backend until the client drains (see clientWritabilityChanged).
            backendChannel.config().setAutoRead(false);
        }
    }

    private void responseComplete() {
        done = true;
        cancelResponseTimer();
        // A backend that answered before reading the whole body is out of step with this request: never pooled.
        boolean reusable = requestComplete && backendKeepAlive && backendChannel != null
                && backendChannel.isActive() && responseDecoder.inStep();
        releaseBackendChannel(reusable);
        endBackend();
        client.flush();
        long now = finish();
        // The rest of an unfinished body is the frontend's to drop before the next request can be found.
        frontend.exchangeDone(this, !closeClient, requestComplete, now);
    }

    /**
     * A final answer to {@code Expect: 100-continue} that came without a {@code 100}, before the body: the client may
     * never send the body it held back (RFC 9110 §10.1.1), so where its next request starts is unknown and the
     * connection closes after the answer, which says so.
     */
    private boolean bodyMayNeverCome() {
        return !requestComplete && !continued && expectsContinue();
    }

    private boolean expectsContinue() {
        String expect = request.headers().get(HttpHeaderNames.EXPECT);
        return expect != null && expect.equalsIgnoreCase("100-continue");
    }

    void clientWritabilityChanged(boolean writable) {
        if (writable && backendChannel != null && !backendChannel.config().isAutoRead()) {
            backendChannel.config().setAutoRead(true);
        }
    }

    void backendWritable() {
        frontend.maybeRead();
    }

    /** The backend connection closed while bound to this exchange. */
    void backendClosed() {
        if (done) {
            return;
        }
        backendChannel = null;
        if (responseStarted) {
            recordFailure(backend, ErrorKind.TRUNCATED);
            abortAfterResponseStarted();
            return;
        }
        cancelResponseTimer();
        Backend failed = backend;
        boolean held = bodyHeld();
        if (reused && held && RetryPolicy.isIdempotent(method)) {
            // A pooled connection the backend had already closed: not the backend's fault, try a fresh one. Still
            // the one request to it, in flight and counted once: dispatched twice, it would show on /metrics as a
            // request that got neither an answer nor an error.
            obtainOrWait(failed, false);
            return;
        }
        endBackend();
        recordFailure(failed, ErrorKind.RESET);
        if (RetryPolicy.mayRetry(poolConfig.retry(), ErrorKind.RESET, method, held, attempts)) {
            retryElsewhere(failed);
        } else {
            fail(HttpResponseStatus.BAD_GATEWAY);
        }
    }

    /**
     * The backend connection failed (a reset, say) and is about to close. A response under way is cut off: its close
     * must not be taken for the end of a body that runs to the close. Before the response, the close is handled as
     * any other ({@link #backendClosed}).
     */
    void backendBroken() {
        if (!done && responseStarted) {
            backendFailed(ErrorKind.TRUNCATED);
        }
    }

    /**
     * The backend connection was idle too long while bound: a stalled response body, or a backend that stopped taking
     * the request body.
     */
    void backendIdle() {
        if (done) {
            return;
        }
        if (!responseStarted) {
            if (requestStalled()) {
                // Nothing else would end it: the client is paused for the backend, and the response timer starts only
                // once the request is complete. Both connections were held for ever (nginx's proxy_send_timeout).
                recordFailure(backend, ErrorKind.TIMEOUT);
                closeBackendChannel();
                endBackend();
                fail(HttpResponseStatus.GATEWAY_TIMEOUT);
            }
            return;
        }
        if (backendChannel != null && !backendChannel.config().isAutoRead()) {
            // Reading was paused for a client that stopped taking the response: its stall, not the backend's.
            end = "client-stalled";
            closeBackendChannel();
            abortAfterResponseStarted();
            return;
        }
        recordFailure(backend, ErrorKind.TRUNCATED);
        closeBackendChannel();
        abortAfterResponseStarted();
    }

    void clientClosed() {
        if (done) {
            return;
        }
        done = true;
        end = runtime.cuttingOff() ? "shutdown" : "client-closed";
        stopWaiting();
        if (heldHead != null) {
            heldHead.release();
            heldHead = null;
        }
        cancelResponseTimer();
        closeBackendChannel();
        endBackend();
        finish();
    }

    private void backendFailed(ErrorKind kind) {
        recordFailure(backend, kind);
        closeBackendChannel();
        if (responseStarted) {
            abortAfterResponseStarted();
        } else {
            endBackend();
            fail(HttpResponseStatus.BAD_GATEWAY);
        }
    }

    void responseTimedOut() {
        if (done || responseStarted) {
            return;
        }
        recordFailure(backend, ErrorKind.TIMEOUT);
        closeBackendChannel();
        endBackend();
        if (RetryPolicy.mayRetry(poolConfig.retry(), ErrorKind.TIMEOUT, method, bodyHeld(), attempts)) {
            retryElsewhere(backend);
        } else {
            fail(HttpResponseStatus.GATEWAY_TIMEOUT);
        }
    }

    /**
     * The client stopped sending its request body: no byte for the idle timeout while the proxy waited for one. A
     * slow-body client must not hold a backend connection (and a backend thread) for ever, so 408 if no response
     * has started, and the backend connection, which has part of a request, is closed.
     */
    void requestBodyTimedOut() {
        if (done || requestComplete) {
            return;
        }
        if (!continued && !responseStarted && requestBodyBytes == 0 && expectsContinue()) {
            // The client may hold its body until the backend asks for it (RFC 9110 §10.1.1), and the backend did
            // neither that nor answer: the silence is the backend's, a 504, not the client's 408.
            responseTimedOut();
            return;
        }
        abortWith(HttpResponseStatus.REQUEST_TIMEOUT);
    }

    /**
     * Whether a retry could go anywhere: with every other backend excluded or unavailable, the answer in hand (its
     * status, {@code Retry-After} and body) is relayed, as HAProxy and Envoy do, rather than replaced by a 502.
     */
    private boolean anotherCandidate() {
        for (Backend b : rctx.candidates()) {
            if (b != backend && !rctx.excluded(b)) {
                return true;
            }
        }
        return false;
    }

    private void retryElsewhere(Backend failed) {
        rctx.exclude(failed);
        backendChannel = null;
        retriedFrom = failed;
        dispatch();
    }

    private void abortBadRequest() {
        abortWith(HttpResponseStatus.BAD_REQUEST);
    }

    /** Ends the exchange because of the client's request: answer {@code answer} if we still can, then close. */
    private void abortWith(HttpResponseStatus answer) {
        closeBackendChannel();
        if (responseStarted) {
            // The answer is under way and can no longer become this status: the log says which it would have been.
            end = "request-" + answer.code();
            abortAfterResponseStarted();
            return;
        }
        done = true;
        stopWaiting();
        cancelResponseTimer();
        endBackend();
        status = answer.code();
        // Counted as fail() counts its answers: the client got this status, so some series on /metrics must show it.
        // Not in the pool's outcomes: the request was at fault, not the backend.
        if (backend != null) {
            backend.stats().response(status);
        } else {
            runtime.localAnswers().countStatus(status);
        }
        boolean head = method.equals(HttpMethod.HEAD);
        localBytes = ErrorResponses.bodyBytes(answer, head);
        finish();
        frontend.exchangeAborted(this, answer, head);
    }

    /** Answers the client ourselves; only possible before any response byte was relayed. */
    private void fail(HttpResponseStatus answer) {
        done = true;
        if (end == null && lastFailure != null) {
            end = lastFailure.label(); // the failure behind a 502 or 504
        }
        stopWaiting();
        cancelResponseTimer();
        closeBackendChannel();
        endBackend();
        status = answer.code();
        if (backend != null) {
            backend.stats().response(status);
        } else {
            // No backend was ever chosen (none available, or affinity refused): no backend's counters hold this 503,
            // and without this count a pool refusing every client would show nothing on /metrics.
            runtime.localAnswers().countStatus(status);
        }
        // The rest of the request may still sit unread in the client queue; if all of it is there, skip it and
        // keep the connection, otherwise the next request cannot be found and the connection must close. A request
        // without a body is whole with its head: an answer decided as the head arrives (no backend) comes before the
        // decoder hands on the head's empty end, which the frontend then drops.
        boolean complete = requestComplete || frontend.skipQueuedBody() || !request.hasBody();
        boolean keepAlive = clientKeepAlive && complete && !runtime.draining();
        boolean head = method.equals(HttpMethod.HEAD);
        client.writeAndFlush(ErrorResponses.of(answer, !keepAlive, head));
        localBytes = ErrorResponses.bodyBytes(answer, head);
        long now = finish();
        frontend.exchangeDone(this, keepAlive, complete, now);
    }

    /** After the head went out, the only honest signal of failure is closing the client connection. */
    private void abortAfterResponseStarted() {
        if (end == null) {
            end = lastFailure == null ? "aborted" : lastFailure.label();
        }
        writeHeldHead();
        done = true;
        stopWaiting();
        cancelResponseTimer();
        endBackend();
        finish();
        frontend.exchangeCutOff(this, closeDelimited);
    }

    private void closeBackendChannel() {
        if (backendChannel != null) {
            backendHandler.unbind();
            backendChannel.close();
            backendChannel = null;
        }
    }

    private void releaseBackendChannel(boolean reusable) {
        if (backendChannel == null) {
            return;
        }
        backendHandler.unbind();
        if (!backendChannel.config().isAutoRead()) {
            backendChannel.config().setAutoRead(true);
        }
        if (reusable) {
            connections.release(backend, backendChannel, backendHandler.openedTo());
        } else {
            backendChannel.close();
        }
        backendChannel = null;
    }

    private void recordFailure(Backend b, ErrorKind kind) {
        lastFailure = kind;
        b.stats().error(kind);
        pool.outcomes().failure(b, kind);
    }

    private void endBackend() {
        if (backendCounted) {
            backendCounted = false;
            backend.requestFinished();
        }
    }

    private void startResponseTimer() {
        frontend.responseDeadline().set(poolConfig.timeouts().response().toMillis());
    }

    private void cancelResponseTimer() {
        frontend.responseDeadline().clear();
    }

    /**
     * Whether the backend took no byte of a request body waiting for it since its previous idle event: a whole idle
     * timeout without reading it, while its connection sends nothing back either.
     */
    private boolean requestStalled() {
        if (requestComplete || backendChannel == null) {
            return false;
        }
        ChannelOutboundBuffer out = backendChannel.unsafe().outboundBuffer();
        long queued = out == null ? 0 : out.totalPendingWriteBytes();
        long taken = requestBodyBytes - queued;
        boolean stalled = queued > 0 && taken == takenAtLastIdle;
        takenAtLastIdle = taken;
        return stalled;
    }

    /** True when every body byte sent so far could be sent again (none was sent, or all are held). */
    private boolean bodyHeld() {
        return requestBodyBytes == 0 || (replay != null && replay.complete());
    }

    /** Counts the exchange as finished; returns the clock reading it took, for the caller to reuse. */
    private long finish() {
        long now = System.nanoTime();
        runtime.exchangeFinished();
        if (replay != null) {
            replay.release();
        }
        if (backend != null) {
            backend.stats().recordLatency(now - startNanos);
            backend.stats().bytesOut.add(responseBytes);
            backend.stats().bytesIn.add(requestBodyBytes);
            backend.stats().countAffinity(rctx.affinity(), now);
        } else if (rctx.affinityHome() != null) {
            // on-unavailable: fail answered 503: the break still counts, at the backend the client was pinned to.
            rctx.affinityHome().stats().countAffinity(rctx.affinity(), now);
        }
        AccessLog accessLog = runtime.accessLog();
        if (accessLog.enabled()) {
            String client = NetUtil.toAddressString(rctx.clientAddress());
            accessLog.log(new AccessRecord(client, method.name(), uri, pool.name(),
                    backend == null ? null : backend.id(), rctx.affinity().label(), status, responseBytes + localBytes,
                    headNanos == 0 ? -1 : (headNanos - startNanos) / 1e6, (now - startNanos) / 1e6, end));
        }
        return now;
    }

    /** Absolute-form targets become origin-form with the authority as Host (RFC 9112 §3.2.2, §3.2.4). */
    private void toOriginForm() {
        String u = request.uri();
        if (u.startsWith("/") || u.equals("*")) {
            return;
        }
        request.headers().set(HttpHeaderNames.HOST, RequestTarget.of(request).host());
        request.setUri(RequestTarget.originForm(request.method(), u));
    }
}
