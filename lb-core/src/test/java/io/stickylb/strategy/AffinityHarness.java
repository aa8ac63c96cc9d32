package io.stickylb.strategy;

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
import io.stickylb.routing.AffinityOutcome;
import io.stickylb.routing.RequestContext;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Drives a {@link CookieAffinity} the way the proxy does (choose, beforeForward, beforeRespond) without sockets:
 * a pool for snapshots and states, a settable clock, seeded nonces, and clients that keep their cookies.
 */
final class AffinityHarness {

    static final String SECRET = "test-secret-0123456789";

    final BackendPool pool;
    final CookieAffinity strategy;
    final MutableClock clock;

    AffinityHarness(PoolConfig config, MutableClock clock, long seed) {
        this.pool = new BackendPool(config);
        this.clock = clock;
        SplittableRandom random = new SplittableRandom(seed);
        this.strategy = new CookieAffinity(config, clock, random::nextLong);
    }

    AffinityHarness(PoolConfig config) {
        this(config, new MutableClock(), 42);
    }

    static List<BackendConfig> backends(int n) {
        List<BackendConfig> list = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            list.add(new BackendConfig("b" + i, new Endpoint("127.0.0.1", 9000 + i), 1));
        }
        return list;
    }

    static AffinityConfig affinity(AffinityConfig.Mode mode, List<String> secrets, Duration maxIdle,
                                   Duration maxLife) {
        AffinityConfig d = AffinityConfig.DEFAULTS;
        return new AffinityConfig(mode, d.name(), d.cookieName(), secrets, d.path(), d.domain(), d.httpOnly(),
                d.secure(), d.sameSite(), d.maxAge(), maxIdle, maxLife, d.maxEntries(), d.ttl());
    }

    static AffinityConfig affinity(AffinityConfig.Mode mode) {
        return affinity(mode, List.of(SECRET), Duration.ZERO, Duration.ZERO);
    }

    static PoolConfig pool(String name, List<BackendConfig> backends, AffinityConfig affinity,
                           PoolConfig.OnUnavailable onUnavailable, PoolConfig.ReturnHome returnHome,
                           boolean changeCookieOnFailure) {
        return new PoolConfig(name, "cookie", backends, null, null, 0, null, null, affinity, "round-robin",
                onUnavailable, returnHome, changeCookieOnFailure, null, null, null);
    }

    static PoolConfig pool(int n, AffinityConfig affinity) {
        return pool("app", backends(n), affinity, null, null, true);
    }

    Backend backend(String id) {
        return pool.backend(id).orElseThrow();
    }

    Client client() {
        return new Client();
    }

    /** One proxied request as the strategy saw it. */
    record Exchange(Backend backend, AffinityOutcome outcome, HttpRequest forwarded, HttpResponse response,
                    RequestContext ctx) {

        String backendId() {
            return backend == null ? null : backend.id();
        }

        List<String> setCookies() {
            return response == null ? List.of() : response.headers().getAll(HttpHeaderNames.SET_COOKIE);
        }

        String forwardedCookie() {
            return forwarded.headers().get(HttpHeaderNames.COOKIE);
        }
    }

    /** A browser-like client: keeps the cookies responses set and sends them back. */
    final class Client {
        final Map<String, String> cookies = new LinkedHashMap<>();
        String uri = "/";

        Exchange send() {
            return send(b -> List.of());
        }

        /** {@code appCookies}: the Set-Cookie headers the serving backend adds to its response. */
        Exchange send(Function<Backend, List<String>> appCookies) {
            HttpRequest request = request();
            RequestContext ctx = new RequestContext(pool, request, InetAddress.getLoopbackAddress());
            Backend b = strategy.choose(ctx);
            if (b == null) {
                return new Exchange(null, ctx.affinity(), request, null, ctx);
            }
            return finish(ctx, b, appCookies);
        }

        HttpRequest request() {
            HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
            if (!cookies.isEmpty()) {
                StringBuilder sb = new StringBuilder();
                cookies.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : "; ").append(k).append('=').append(v));
                request.headers().set(HttpHeaderNames.COOKIE, sb.toString());
            }
            return request;
        }

        Exchange finish(RequestContext ctx, Backend b, Function<Backend, List<String>> appCookies) {
            HttpRequest request = ctx.request();
            strategy.beforeForward(ctx, request);
            HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            for (String sc : appCookies.apply(b)) {
                response.headers().add(HttpHeaderNames.SET_COOKIE, sc);
            }
            strategy.beforeRespond(ctx, response);
            for (String sc : response.headers().getAll(HttpHeaderNames.SET_COOKIE)) {
                String pair = sc.split(";", 2)[0];
                int eq = pair.indexOf('=');
                cookies.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
            return new Exchange(b, ctx.affinity(), request, response, ctx);
        }
    }

    /** A clock tests move by hand. */
    static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2030-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
