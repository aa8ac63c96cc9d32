package io.stickylb.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.bench.HotPathBenchmark;
import io.stickylb.config.AffinityConfig;
import io.stickylb.config.BackendConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.config.PoolConfig;
import io.stickylb.proxy.ForwardedHeaders;
import io.stickylb.routing.RequestContext;
import io.stickylb.strategy.LoadBalancingStrategy;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A request's own work in the proxy, per strategy, on heads the proxy's decoder makes: decode the head, set the
 * forwarding headers, choose a backend, the strategy's edits before forwarding (cookie: the affinity cookie removed),
 * write the head for the backend, and the strategy's look at the response. {@code benchHead} is what the benchmarks
 * send (a Host, and the affinity cookie in cookie mode); {@code browserHead} a browser's request with the affinity
 * cookie among the application's. Cookie mode's clients hold a valid cookie, so it measures the sticky hit path.
 */
public class RequestPathBenchmark extends HotPathBenchmark {

    @Param({"round-robin", "cookie"})
    public String strategyName;

    private final List<Object> out = new ArrayList<>();
    private final HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    private BackendPool pool;
    private LoadBalancingStrategy strategy;
    private InetAddress client;
    private RequestDecoder requests;
    private ByteBuf in;
    private ByteBuf toBackend;
    private byte[] benchHead;
    private byte[] browserHead;

    @Setup
    public void setUp() {
        List<BackendConfig> backends = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            backends.add(new BackendConfig("b" + (i + 1), new Endpoint("10.0.0." + (i + 1), 8080), 1));
        }
        boolean cookie = strategyName.equals("cookie");
        AffinityConfig d = AffinityConfig.DEFAULTS;
        AffinityConfig affinity = new AffinityConfig(AffinityConfig.Mode.INSERT, d.name(), d.cookieName(),
                List.of("bench-secret"), d.path(), d.domain(), true, false, "Lax", Duration.ZERO,
                Duration.ofMinutes(30), Duration.ZERO, d.maxEntries(), d.ttl());
        pool = new BackendPool(new PoolConfig("bench", strategyName, backends, null, null, 0, null, null,
                cookie ? affinity : null, "round-robin", null, null, true, null, null, null));
        strategy = pool.strategy();
        client = InetAddress.getLoopbackAddress();
        requests = new RequestDecoder(8192, 64 * 1024, new RequestDecoder.HeadWatch() {
            @Override
            public void headStarted() {
            }

            @Override
            public void headEnded() {
            }
        });
        in = PooledByteBufAllocator.DEFAULT.directBuffer(2048);
        toBackend = PooledByteBufAllocator.DEFAULT.directBuffer(2048);
        String pair = cookie ? issuedCookie() : null;
        benchHead = bytes("GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n" + (cookie ? "Cookie: " + pair + "\r\n" : "")
                + "\r\n");
        browserHead = bytes("GET /app/orders?page=2&sort=date HTTP/1.1\r\nHost: shop.example\r\n"
                + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n"
                + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
                + "Accept-Language: en-GB,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\n"
                + "Referer: https://shop.example/app/orders?page=1\r\n"
                + "Cookie: JSESSIONID=5F3A9C1D2B7E4F60A8C9D0E1F2A3B4C5" + (cookie ? "; " + pair : "")
                + "; theme=dark\r\nConnection: keep-alive\r\nUpgrade-Insecure-Requests: 1\r\n\r\n");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The affinity cookie the pool gives a new client, as NAME=value. */
    private String issuedCookie() {
        ClientRequest first = decode(bytes("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
        RequestContext ctx = new RequestContext(pool, first, client);
        strategy.choose(ctx);
        strategy.beforeRespond(ctx, response);
        String setCookie = response.headers().get(HttpHeaderNames.SET_COOKIE);
        response.headers().clear();
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    private ClientRequest decode(byte[] head) {
        in.clear().writeBytes(head);
        out.clear();
        requests.decode(null, in, out);
        return (ClientRequest) out.get(0);
    }

    @TearDown
    public void tearDown() {
        in.release();
        toBackend.release();
    }

    private int request(byte[] head) {
        ClientRequest r = decode(head);
        RequestContext ctx = new RequestContext(pool, r, client);
        ForwardedHeaders.rewriteRequest(r, "127.0.0.1", false);
        Backend b = strategy.choose(ctx);
        strategy.beforeForward(ctx, r);
        toBackend.clear();
        r.encode(toBackend);
        strategy.beforeRespond(ctx, response);
        if (!response.headers().isEmpty()) {
            throw new IllegalStateException("a sticky client was given a new cookie: " + response.headers());
        }
        return toBackend.readableBytes() + (b == null ? 0 : 1);
    }

    @Benchmark
    public int benchHead() {
        return request(benchHead);
    }

    @Benchmark
    public int browserHead() {
        return request(browserHead);
    }
}
