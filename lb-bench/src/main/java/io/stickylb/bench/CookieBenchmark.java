package io.stickylb.bench;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.config.AffinityConfig;
import io.stickylb.config.BackendConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.config.PoolConfig;
import io.stickylb.routing.RequestContext;
import io.stickylb.strategy.LoadBalancingStrategy;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Setup;

/**
 * Insert-mode cookie affinity through the public strategy API, as the proxy drives it, over 8 backends:
 * {@code verify} is the sticky hit path (find the cookie, one HMAC-SHA256, resolve the backend), {@code verifyAndStrip}
 * adds removing the cookie from the forwarded head, {@code issue} is a new client (fallback choice, a fresh signed
 * token and its Set-Cookie), {@code forged} a cookie that fails verification. Each operation includes a new
 * {@link RequestContext} and the strategy's per-request state, as in the proxy; run with {@code -prof gc} for B/op.
 */
public class CookieBenchmark extends HotPathBenchmark {

    private BackendPool pool;
    private LoadBalancingStrategy strategy;
    private InetAddress client;
    private HttpRequest withCookie;
    private HttpRequest withForgedCookie;
    private HttpRequest withoutCookie;
    private HttpResponse response;
    private String cookieHeader;

    @Setup
    public void setUp() {
        List<BackendConfig> backends = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            backends.add(new BackendConfig("b" + (i + 1), new Endpoint("10.0.0." + (i + 1), 8080), 1));
        }
        AffinityConfig d = AffinityConfig.DEFAULTS;
        AffinityConfig affinity = new AffinityConfig(AffinityConfig.Mode.INSERT, d.name(), d.cookieName(),
                List.of("bench-secret-0123456789abcdef"), d.path(), d.domain(), true, false, "Lax", Duration.ZERO,
                Duration.ofMinutes(30), Duration.ZERO, d.maxEntries(), d.ttl());
        PoolConfig config = new PoolConfig("bench", "cookie", backends, null, null, 0, null, null, affinity,
                "round-robin", null, null, true, null, null, null);
        pool = new BackendPool(config);
        strategy = pool.strategy();
        client = InetAddress.getLoopbackAddress();
        response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        withoutCookie = request("theme=dark; lang=en");
        strategy.choose(new RequestContext(pool, withoutCookie, client));
        String setCookie = issueCookie();
        String token = setCookie.substring(setCookie.indexOf('=') + 1, setCookie.indexOf(';'));
        cookieHeader = "theme=dark; LB_ROUTE=" + token + "; lang=en";
        withCookie = request(cookieHeader);
        char last = token.charAt(token.length() - 2);
        withForgedCookie = request("theme=dark; LB_ROUTE=" + token.substring(0, token.length() - 2)
                + (last == 'A' ? 'B' : 'A') + token.charAt(token.length() - 1) + "; lang=en");
    }

    private static HttpRequest request(String cookies) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        r.headers().set(HttpHeaderNames.HOST, "example.com").set(HttpHeaderNames.COOKIE, cookies);
        return r;
    }

    private String issueCookie() {
        response.headers().clear();
        RequestContext ctx = new RequestContext(pool, withoutCookie, client);
        strategy.choose(ctx);
        strategy.beforeRespond(ctx, response);
        return response.headers().get(HttpHeaderNames.SET_COOKIE);
    }

    @Benchmark
    public Backend verify() {
        return strategy.choose(new RequestContext(pool, withCookie, client));
    }

    @Benchmark
    public Object verifyAndStrip() {
        RequestContext ctx = new RequestContext(pool, withCookie, client);
        Backend b = strategy.choose(ctx);
        strategy.beforeForward(ctx, withCookie);
        Object forwarded = withCookie.headers().get(HttpHeaderNames.COOKIE);
        withCookie.headers().set(HttpHeaderNames.COOKIE, cookieHeader);
        return b == null ? null : forwarded;
    }

    @Benchmark
    public String issue() {
        return issueCookie();
    }

    @Benchmark
    public Backend forged() {
        return strategy.choose(new RequestContext(pool, withForgedCookie, client));
    }
}
