package io.stickylb.admin;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last step of the admin pipeline: refuses what a browser sends for another site ({@link HostCheck},
 * {@link OriginCheck}), checks the bearer token, routes the aggregated request and writes the JSON answer. Handlers
 * may answer later from another thread (reload); the requests of one connection are chained, so pipelined requests
 * are handled and answered in order. A connection that owes no answer and brings no complete request for
 * {@link #IDLE_TIMEOUT} is closed. Handling and writing run on the channel's event loop.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);
    private static final String SEC_FETCH_SITE = "Sec-Fetch-Site";
    /** As the proxy listener's default {@code limits.idle-timeout}. */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

    private final Routes routes;
    private final BearerAuth auth;
    private final HostCheck hosts;
    private final RefusalLog refusals;
    private final Duration idleTimeout;
    /** The previous response on this connection; touched only on the event loop. */
    private CompletableFuture<Void> previous = CompletableFuture.completedFuture(null);
    /** Requests read and not answered yet, and the close due while there are none; touched only on the event loop. */
    private int unanswered;
    private ScheduledFuture<?> idleClose;

    AdminHandler(Routes routes, BearerAuth auth, HostCheck hosts, RefusalLog refusals) {
        this(routes, auth, hosts, refusals, IDLE_TIMEOUT);
    }

    AdminHandler(Routes routes, BearerAuth auth, HostCheck hosts, RefusalLog refusals, Duration idleTimeout) {
        this.routes = routes;
        this.auth = auth;
        this.hosts = hosts;
        this.refusals = refusals;
        this.idleTimeout = idleTimeout;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        awaitRequest(ctx);
        ctx.fireChannelActive();
    }

    /**
     * Closes the connection unless a complete request arrives in time. Bytes alone do not put the close off: without
     * it, a peer that never finished a request (or never sent one) held its connection, and a file descriptor of the
     * whole process, for good, before any token was checked.
     */
    private void awaitRequest(ChannelHandlerContext ctx) {
        idleClose = ctx.executor().schedule(() -> {
            if (unanswered == 0) {
                ctx.close();
            }
        }, idleTimeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (idleClose != null) {
            idleClose.cancel(false);
        }
        ctx.fireChannelInactive();
    }

    /** What this handler needs of a request, copied out of Netty's buffers (released when channelRead0 returns). */
    private record Incoming(ApiResponse malformed, HttpMethod method, String uri, String authorization, byte[] body,
            String remote, String host, String origin, String fetchSite) {
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        ApiResponse malformed = malformed(req);
        // After a request it could not parse the codec discards the rest of the connection: keeping it open left the
        // client's next request unanswered for good.
        boolean keepAlive = malformed == null && HttpUtil.isKeepAlive(req);
        unanswered++;
        if (idleClose != null) {
            idleClose.cancel(false);
            idleClose = null;
        }
        Incoming in = new Incoming(malformed, req.method(), req.uri(),
                req.headers().get(HttpHeaderNames.AUTHORIZATION), ByteBufUtil.getBytes(req.content()),
                who(ctx.channel().remoteAddress()), req.headers().get(HttpHeaderNames.HOST),
                req.headers().get(HttpHeaderNames.ORIGIN), req.headers().get(SEC_FETCH_SITE));
        // Pipelined requests are handled one after the other, as if sent one at a time: a GET after a reload sees it.
        previous = previous.thenComposeAsync(v -> answer(in), ctx.executor())
                .exceptionally(AdminHandler::failure)
                .thenAcceptAsync(r -> {
                    write(ctx, r, keepAlive, HttpMethod.HEAD.equals(in.method()));
                    if (--unanswered == 0 && keepAlive && ctx.channel().isActive()) {
                        awaitRequest(ctx);
                    }
                }, ctx.executor())
                .exceptionally(t -> {
                    // Only when the loop is gone (shutdown): nothing left to answer on.
                    log.debug("admin response not written: {}", t.toString());
                    return null;
                });
    }

    private CompletionStage<ApiResponse> answer(Incoming req) {
        if (req.malformed() != null) {
            return now(req.malformed());
        }
        // Before the token and the route: a page of another site learns nothing, not even whether a path exists.
        String foreign = hosts.refusal(req.host());
        if (foreign == null) {
            foreign = OriginCheck.refusal(req.method(), req.host(), req.origin(), req.fetchSite());
        }
        if (foreign != null) {
            refusals.refused(req.remote(), req.method().name(), req.uri(), foreign);
            return now(ApiResponse.error(HttpResponseStatus.FORBIDDEN, foreign));
        }
        Routes.Match match;
        try {
            match = routes.match(req.method(), req.uri());
        } catch (IllegalArgumentException e) {
            // A broken percent-escape is the client's mistake, not the server's: 400, and no stack trace in the log.
            return now(ApiResponse.error(HttpResponseStatus.BAD_REQUEST, "malformed path " + req.uri() + ": "
                    + e.getMessage()));
        }
        // Open routes (the dashboard's page and assets) skip the token; everything else, including unknown paths and
        // wrong methods, is checked first, so nothing about the API answers without it.
        if (!match.open() && !auth.allows(req.authorization())) {
            String why = req.authorization() != null ? "wrong admin token"
                    : "missing admin token (Authorization: Bearer <token>)";
            return now(ApiResponse.error(HttpResponseStatus.UNAUTHORIZED, why)
                    .withHeader(HttpHeaderNames.WWW_AUTHENTICATE.toString(), "Bearer realm=\"stickylb\""));
        }
        if (!match.found()) {
            if (match.allowed().isEmpty()) {
                return now(ApiResponse.error(HttpResponseStatus.NOT_FOUND, "no such endpoint: " + req.uri()));
            }
            String allow = match.allowed().stream().map(Object::toString).collect(Collectors.joining(", "));
            return now(ApiResponse.error(HttpResponseStatus.METHOD_NOT_ALLOWED, req.method() + " is not allowed on "
                    + req.uri() + " (allowed: " + allow + ")").withHeader(HttpHeaderNames.ALLOW.toString(), allow));
        }
        ApiRequest request = new ApiRequest(req.method(), req.uri(), match.params(), req.body(), req.remote());
        try {
            return match.handler().handle(request);
        } catch (ApiException e) {
            return now(ApiResponse.error(e.status(), e.getMessage()));
        } catch (RuntimeException e) {
            return now(failure(e));
        }
    }

    /**
     * The answer to a request the codec could not parse, saying why (a header block over the codec's limit, e.g. a
     * browser's cookies for this host, is 431 as RFC 6585 has it), or to one without exactly one Host where HTTP/1.1
     * requires it; null for a well-formed request.
     */
    private static ApiResponse malformed(FullHttpRequest req) {
        Throwable cause = req.decoderResult().cause();
        if (cause == null) {
            int hosts = req.headers().getAll(HttpHeaderNames.HOST).size();
            // RFC 9112 §3.2: a server MUST answer 400 to more than one Host, and to an HTTP/1.1 request with none.
            if (hosts > 1 || hosts == 0 && !HttpVersion.HTTP_1_0.equals(req.protocolVersion())) {
                return ApiResponse.error(HttpResponseStatus.BAD_REQUEST, "malformed request: "
                        + (hosts == 0 ? "no Host header" : hosts + " Host headers") + " (expected exactly one)");
            }
            return null;
        }
        HttpResponseStatus status = cause instanceof TooLongHttpHeaderException
                ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                : cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                : HttpResponseStatus.BAD_REQUEST;
        return ApiResponse.error(status, "malformed request"
                + (cause.getMessage() == null ? "" : ": " + cause.getMessage()));
    }

    private static ApiResponse failure(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof ApiException e) {
            return ApiResponse.error(e.status(), e.getMessage());
        }
        log.warn("admin request failed", cause);
        return ApiResponse.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error: " + cause);
    }

    private static void write(ChannelHandlerContext ctx, ApiResponse r, boolean keepAlive, boolean head) {
        // The answer to a HEAD is the GET's head, its Content-Length included, without the body.
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, r.status(),
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(r.body()));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        r.headers().forEach(res.headers()::set);
        HttpUtil.setContentLength(res, r.body().length);
        HttpUtil.setKeepAlive(res, keepAlive);
        var f = ctx.writeAndFlush(res);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static CompletionStage<ApiResponse> now(ApiResponse r) {
        return CompletableFuture.completedFuture(r);
    }

    private static String who(SocketAddress remote) {
        if (remote instanceof InetSocketAddress a) {
            return a.getAddress() == null ? a.getHostString() + ":" + a.getPort()
                    : a.getAddress().getHostAddress() + ":" + a.getPort();
        }
        return String.valueOf(remote);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("admin connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
