package io.stickylb.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.backend.BackendState;
import io.stickylb.config.PoolConfig;
import io.stickylb.routing.AffinityOutcome;
import io.stickylb.routing.RequestContext;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HeaderHashTest {

    private static BackendPool pool(String header, String cookie, String fallback) {
        PoolConfig base = IpHashTest.config("header-hash", null, 0, 1, 1, 1, 1);
        return new BackendPool(new PoolConfig("app", "header-hash", base.backends(), null, null, 0, header, cookie,
                null, fallback, null, null, true, null, null, null));
    }

    private static HttpRequest request(String name, String value) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        if (name != null) {
            r.headers().set(name, value);
        }
        return r;
    }

    private static RequestContext ctx(BackendPool pool, HttpRequest request) {
        return new RequestContext(pool, request, InetAddress.getLoopbackAddress());
    }

    private static String choose(BackendPool pool, HttpRequest request) {
        return pool.strategy().choose(ctx(pool, request)).id();
    }

    @Test
    void theHeaderValuePicksTheSameBackendOnEveryInstance() {
        BackendPool one = pool("X-User", null, null);
        BackendPool other = pool("X-User", null, null);
        assertThat(one.strategy()).isInstanceOf(HeaderHash.class);
        Set<String> used = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            RequestContext ctx = ctx(one, request("x-user", "user-" + i));
            String id = one.strategy().choose(ctx).id();
            assertThat(ctx.affinity()).isEqualTo(AffinityOutcome.HIT);
            assertThat(choose(other, request("X-User", "user-" + i))).isEqualTo(id);
            used.add(id);
        }
        assertThat(used).hasSize(4);
    }

    @Test
    void theCookieValuePicksTheBackendAsTheSameHeaderValueWould() {
        BackendPool pool = pool("X-User", "sid", null);
        for (int i = 0; i < 200; i++) {
            String byHeader = choose(pool, request("X-User", "s" + i));
            assertThat(choose(pool, request("Cookie", "theme=dark; sid=s" + i + "; lang=en"))).isEqualTo(byHeader);
            assertThat(choose(pool, request("Cookie", "sid=\"s" + i + "\""))).isEqualTo(byHeader);
        }
    }

    @Test
    void theHeaderWinsOverTheCookie() {
        BackendPool pool = pool("X-User", "sid", null);
        for (int i = 0; i < 50; i++) {
            HttpRequest r = request("X-User", "h" + i);
            r.headers().set("Cookie", "sid=c" + i);
            assertThat(choose(pool, r)).isEqualTo(choose(pool, request("X-User", "h" + i)));
        }
    }

    @Test
    void aDownHomeMovesItsKeysAsBrokenDown() {
        BackendPool pool = pool("X-User", null, null);
        String home = choose(pool, request("X-User", "alice"));
        pool.setState(home, BackendState.DOWN, "test");
        RequestContext ctx = ctx(pool, request("X-User", "alice"));
        assertThat(pool.strategy().choose(ctx).id()).isNotEqualTo(home);
        assertThat(ctx.affinity()).isEqualTo(AffinityOutcome.BROKEN_DOWN);
    }

    @Test
    void requestsWithoutTheKeyGoRoundRobinAsNew() {
        BackendPool pool = pool("X-User", "sid", null);
        StringBuilder order = new StringBuilder();
        for (HttpRequest r : new HttpRequest[] {request(null, null), request("X-User", ""),
                request("Cookie", "other=1"), request("Cookie", "sid=")}) {
            RequestContext ctx = ctx(pool, r);
            order.append(pool.strategy().choose(ctx).id());
            assertThat(ctx.affinity()).isEqualTo(AffinityOutcome.NEW);
        }
        assertThat(order.toString()).isEqualTo("b1b2b3b4");
        RequestContext noRequest = new RequestContext(pool, null, InetAddress.getLoopbackAddress());
        assertThat(pool.strategy().choose(noRequest)).isNotNull();
        assertThat(noRequest.affinity()).isEqualTo(AffinityOutcome.NEW);
    }

    @Test
    void theLeastConnectionsFallbackSendsKeylessRequestsToTheLeastLoaded() {
        BackendPool pool = pool("X-User", null, "least-connections");
        for (Backend b : pool.snapshot().all()) {
            if (!b.id().equals("b3")) {
                b.requestStarted();
            }
        }
        RequestContext ctx = ctx(pool, request(null, null));
        assertThat(pool.strategy().choose(ctx).id()).isEqualTo("b3");
        assertThat(ctx.affinity()).isEqualTo(AffinityOutcome.NEW);
    }

    @Test
    void aPoolWithoutHeaderOrCookieIsRejected() {
        assertThatThrownBy(() -> pool(null, " ", null))
                .hasMessage("pool 'app': strategy header-hash needs hash-header or hash-cookie");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "NONE", value = {
            "sid=abc              | abc",
            "a=1; sid=abc         | abc",
            "a=1;sid=abc;b=2      | abc",
            "xsid=1; sid=2        | 2",
            "sidx=1               | NONE",
            "sid=                 | NONE",
            "sid                  | NONE",
            "'sid=\"q v\"'        | q v",
            "=sid; sid=ok         | ok",
            "'a=1 ;  sid = abc  ' | abc",
            "sid=first; sid=later | first",
            "sid=; sid=later      | later",
            "sid=\"\"; sid=later  | later",
            "''                   | NONE"})
    void cookieValuesAreFoundInPlace(String header, String expected) {
        long range = HeaderHash.cookieValue(header, "sid");
        String found = range < 0 ? null : header.substring((int) (range >>> 32), (int) range);
        assertThat(found).isEqualTo(expected);
    }
}
