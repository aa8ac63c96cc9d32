package io.stickylb.health;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import io.stickylb.backend.Backend;
import io.stickylb.codec.ResponseDecoder;
import io.stickylb.config.ActiveHealthConfig;
import io.stickylb.pool.LocalConnectFailure;
import io.stickylb.pool.Transport;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One active check of one backend: a fresh connection (never a pooled request connection), then either nothing
 * more (TCP) or {@code GET path} with {@code Connection: close} and a look at the status (HTTP). Runs entirely on
 * one event loop; the verdict goes to a callback exactly once.
 */
final class CheckProbe {

    /**
     * A verdict: passed or not, and a short reason for the log. An inconclusive one (this process could not open
     * the check's connection) says nothing about the backend and counts neither way.
     */
    record Verdict(boolean passed, String detail, boolean inconclusive) {
        Verdict(boolean passed, String detail) {
            this(passed, detail, false);
        }
    }

    /** The body is never looked at; reading it in small pieces is enough. */
    private static final int CHUNK_BYTES = 8192;

    private final Backend backend;
    private final ActiveHealthConfig config;
    private final Consumer<Verdict> done;
    private boolean finished;
    private Channel channel;
    private ScheduledFuture<?> timeout;

    private CheckProbe(Backend backend, ActiveHealthConfig config, Consumer<Verdict> done) {
        this.backend = backend;
        this.config = config;
        this.done = done;
    }

    /** Starts a check on {@code loop}; {@code done} runs on that loop. */
    static void run(Backend backend, ActiveHealthConfig config, EventLoop loop, Transport transport,
                    Consumer<Verdict> done) {
        new CheckProbe(backend, config, done).start(loop, transport);
    }

    private void start(EventLoop loop, Transport transport) {
        long timeoutMs = config.timeout().toMillis();
        timeout = loop.schedule(() -> finish(false, "timeout after " + timeoutMs + "ms"), timeoutMs,
                TimeUnit.MILLISECONDS);
        Bootstrap b = new Bootstrap().group(loop).channel(transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, timeoutMs))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (config.type() == ActiveHealthConfig.Type.HTTP) {
                            // The limits the proxy relays answers under (not the codec's 8 KiB): a check stricter
                            // than that would hold DOWN a backend that serves its clients.
                            ch.pipeline().addLast(new HttpClientCodec(ResponseDecoder.MAX_STATUS_LINE,
                                    ResponseDecoder.MAX_HEAD, CHUNK_BYTES))
                                    .addLast(new StatusReader());
                        }
                    }
                });
        InetSocketAddress address = backend.socketAddress();
        if (address.isUnresolved()) {
            finish(false, "host name " + address.getHostString() + " not resolved");
            return;
        }
        ChannelFuture f = LocalConnectFailure.onLoop(b.disableResolver().connect(address), loop);
        channel = f.channel();
        f.addListener((ChannelFuture cf) -> {
            if (!cf.isSuccess()) {
                Throwable c = cf.cause();
                if (LocalConnectFailure.is(c)) {
                    finish(new Verdict(false, "not checked: no local socket (" + c.getMessage() + ")", true));
                    return;
                }
                finish(false, c instanceof java.net.ConnectException ? "connection refused"
                        : "connect failed: " + (c == null ? "?" : c.getClass().getSimpleName()));
                return;
            }
            if (config.type() == ActiveHealthConfig.Type.TCP) {
                finish(true, "tcp connect ok");
                return;
            }
            cf.channel().writeAndFlush(request());
            cf.channel().closeFuture().addListener(x -> finish(false, "closed before answering"));
        });
    }

    private FullHttpRequest request() {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, config.path());
        r.headers().set(HttpHeaderNames.HOST, config.host() != null ? config.host() : backend.endpoint().toString());
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        r.headers().set(HttpHeaderNames.USER_AGENT, "stickylb-health-check");
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return r;
    }

    private void finish(boolean passed, String detail) {
        finish(new Verdict(passed, detail));
    }

    private void finish(Verdict verdict) {
        if (finished) {
            return;
        }
        finished = true;
        if (timeout != null) {
            timeout.cancel(false);
        }
        // A channel that could not be created was never registered, and closing it would throw before the verdict
        // is given, which would end this backend's checks for good.
        if (channel != null && channel.isRegistered()) {
            channel.close();
        }
        done.accept(verdict);
    }

    /** Reads the status line of the final answer; the body is not needed. */
    private final class StatusReader extends SimpleChannelInboundHandler<HttpObject> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse r) {
                if (r.decoderResult().isFailure()) {
                    finish(false, "invalid HTTP answer");
                    return;
                }
                int code = r.status().code();
                if (code >= 100 && code < 200 && code != 101) {
                    // An interim answer (100, 102 Processing, 103 Early Hints) is not the verdict: a client must read
                    // on to the final one (RFC 9110 §15.2), as Envoy's checks do.
                    return;
                }
                boolean ok = code >= config.expectMin() && code <= config.expectMax();
                finish(ok, "HTTP " + code);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            finish(false, "error: " + cause.getClass().getSimpleName());
        }
    }
}
