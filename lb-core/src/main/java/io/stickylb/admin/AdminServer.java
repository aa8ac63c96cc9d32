package io.stickylb.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.NetUtil;
import io.stickylb.config.AdminConfig;
import io.stickylb.config.ConfigLoader;
import io.stickylb.pool.Transport;
import io.stickylb.server.ListenerBindException;
import io.stickylb.server.PortInUseException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener: a small HTTP/1.1 JSON API and the live dashboard ({@code GET /}) on its own event loop (one
 * thread, apart from the proxy's workers), with the {@link DrainTracker} that finishes drains. Its address is fixed
 * at start (a reload does not move or reopen it); its token can change ({@link #token}). Pipeline: {@value #CODEC} →
 * {@value #AGGREGATOR} (admin bodies are tiny) → {@value #HANDLER}.
 */
public final class AdminServer implements AutoCloseable {

    static final String CODEC = "http-codec";
    static final String AGGREGATOR = "aggregator";
    static final String HANDLER = "admin-handler";
    static final int MAX_BODY = 64 * 1024;

    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    private final EventLoopGroup group;
    private final ExecutorService reloads;
    private final DrainTracker drains;
    private final Channel listener;
    private final BearerAuth auth;

    private AdminServer(EventLoopGroup group, ExecutorService reloads, DrainTracker drains, Channel listener,
            BearerAuth auth) {
        this.group = group;
        this.reloads = reloads;
        this.drains = drains;
        this.listener = listener;
        this.auth = auth;
    }

    /** Binds {@code config.listen()} and starts the drain tracker; throws {@link PortInUseException} when taken. */
    public static AdminServer start(AdminConfig config, AdminTarget target, Transport transport) {
        return start(config, target, ConfigLoader::load, Clock.systemUTC(), transport);
    }

    static AdminServer start(AdminConfig config, AdminTarget target, ReloadApi.Loader loader, Clock clock,
            Transport transport) {
        EventLoopGroup group = transport.newGroup(1, "stickylb-admin");
        ExecutorService reloads = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "stickylb-admin-reload");
            t.setDaemon(true);
            return t;
        });
        DrainTracker drains = new DrainTracker(target::upstreams, clock);
        BearerAuth auth = new BearerAuth(config.token());
        Routes routes = routes(target, drains, new ReloadApi(target, loader, reloads), new Dashboard(auth::required));
        HostCheck hosts = new HostCheck(auth::required, config.listen().host());
        RefusalLog refusals = new RefusalLog();
        ServerBootstrap b = transport.listener(group)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(CODEC, new HttpServerCodec())
                                .addLast(AGGREGATOR, new Aggregator())
                                .addLast(HANDLER, new AdminHandler(routes, auth, hosts, refusals));
                    }
                });
        Channel listener;
        try {
            listener = b.bind(config.listen().toBindAddress()).syncUninterruptibly().channel();
        } catch (Exception e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            reloads.shutdownNow();
            if (e instanceof BindException || e.getCause() instanceof BindException
                    || String.valueOf(e.getMessage()).contains("Address already in use")) {
                throw new PortInUseException("admin", config.listen(), e);
            }
            throw new ListenerBindException("admin", config.listen(), config.listen().host(), e);
        }
        drains.start();
        AdminServer server = new AdminServer(group, reloads, drains, listener, auth);
        InetSocketAddress bound = server.address();
        // NetUtil brackets an IPv6 host: http://0:0:0:0:0:0:0:1:9090/ is no URL a browser or curl can open.
        String authority = NetUtil.toSocketAddressString(bound);
        log.info("admin API on http://{}/api/pools, dashboard on http://{}/ ({})", authority, authority,
                auth.required() ? "bearer token required" : "no token, loopback only");
        return server;
    }

    /** Everything the admin listener answers; anything else is a 404 (or a 405 for a known path). */
    private static Routes routes(AdminTarget target, DrainTracker drains, ReloadApi reload, Dashboard dashboard) {
        Routes routes = new Routes();
        // GET / and /dashboard/{asset}: the live dashboard, served without the token (see Dashboard for why).
        dashboard.register(routes);
        new PoolsApi(target::upstreams, target::clients, drains).register(routes);
        new ProbesApi(target::shuttingDown, target::warmingUp).register(routes);
        reload.register(routes);
        routes.get("/metrics", r -> java.util.concurrent.CompletableFuture.completedFuture(ApiResponse.of(
                io.netty.handler.codec.http.HttpResponseStatus.OK, io.stickylb.metrics.ProxyMetrics.contentType(),
                target.scrapeMetrics().getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        return routes;
    }

    /**
     * Netty's aggregator, with its 413 for a body over {@link #MAX_BODY} worded in JSON like every other refusal of
     * the admin (Netty's own has no body), then the connection closed, since the rest of the body may still come.
     */
    private static final class Aggregator extends HttpObjectAggregator {

        Aggregator() {
            super(MAX_BODY);
        }

        @Override
        protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
            Object answer = super.newContinueResponse(start, maxContentLength, pipeline);
            if (answer instanceof FullHttpResponse r && r.status().code() == 413) {
                r.release();
                return tooLarge();
            }
            return answer;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
            if (oversized instanceof HttpRequest) {
                ctx.writeAndFlush(tooLarge()).addListener(ChannelFutureListener.CLOSE);
            } else {
                super.handleOversizedMessage(ctx, oversized);
            }
        }

        private static FullHttpResponse tooLarge() {
            ApiResponse e = ApiResponse.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "request body too large (at most " + MAX_BODY + " bytes)");
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, e.status(),
                    Unpooled.wrappedBuffer(e.body()));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, e.contentType())
                    .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            HttpUtil.setContentLength(r, e.body().length);
            return r;
        }
    }

    /** The bound address (with the real port when the config asked for port 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** Requires {@code token} (none when null) of every request from now on, on open connections too. */
    public void token(String token) {
        auth.token(token);
    }

    public DrainTracker drains() {
        return drains;
    }

    /** Stops listening and stops the drain tracker; a reload in progress is interrupted. */
    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        drains.close();
        reloads.shutdownNow();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
