package io.stickylb.affinity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stickylb.config.AffinityConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.routing.AffinityOutcome;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Insert mode through the real proxy (its own header representation, not Netty's): however a client lays out its
 * Cookie headers, the affinity cookie is read and never reaches the backend, and every other cookie does, unchanged.
 */
class CookieStripOnTheWireTest {

    private FakeBackend backend;
    private LoadBalancer lb;
    private String token;

    @BeforeEach
    void start() throws Exception {
        backend = FakeBackend.ok("ok");
        AffinityConfig d = AffinityConfig.DEFAULTS;
        AffinityConfig affinity = new AffinityConfig(AffinityConfig.Mode.INSERT, d.name(), d.cookieName(),
                List.of("strip-test-secret"), d.path(), d.domain(), d.httpOnly(), d.secure(), d.sameSite(),
                d.maxAge(), Duration.ofMinutes(30), Duration.ZERO, d.maxEntries(), d.ttl());
        PoolConfig pool = new PoolConfig("app", "cookie", List.of(TestConfigs.backend("b1", backend.port())), null,
                null, 0, null, null, affinity, "round-robin", null, null, true, null, null, null);
        lb = new LoadBalancer(TestConfigs.single(pool)).start();
        try (RawHttp c = new RawHttp(lb.port())) {
            String setCookie = c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().header("set-cookie");
            token = setCookie.substring("LB_ROUTE=".length(), setCookie.indexOf(';'));
        }
    }

    @AfterEach
    void stop() throws IOException {
        lb.close();
        backend.close();
    }

    /** Sends one request with these Cookie header lines; returns the Cookie values the backend received. */
    private List<String> forwarded(String... cookieLines) throws IOException {
        StringBuilder head = new StringBuilder("GET / HTTP/1.1\r\nHost: h\r\n");
        for (String line : cookieLines) {
            head.append("Cookie: ").append(line).append("\r\n");
        }
        int before = backend.requests().size();
        try (RawHttp c = new RawHttp(lb.port())) {
            assertThat(c.send(head.append("\r\n").toString()).read().status()).isEqualTo(200);
        }
        assertThat(backend.requests()).hasSize(before + 1);
        List<String> values = new ArrayList<>();
        for (String line : backend.lastRequest().head().split("\r\n")) {
            if (line.regionMatches(true, 0, "cookie:", 0, 7)) {
                values.add(line.substring(7).trim());
            }
        }
        return values;
    }

    private long hits() {
        return AffinityCluster.affinity(lb, AffinityOutcome.HIT);
    }

    @Test
    void theAffinityCookieIsReadAndRemovedWhereverItIs() throws Exception {
        String route = "LB_ROUTE=" + token;
        assertThat(forwarded(route)).as("alone: the header goes").isEmpty();
        assertThat(forwarded("a=1; " + route + "; b=\"2\"")).containsExactly("a=1; b=\"2\"");
        assertThat(forwarded(route + ";c=3")).containsExactly("c=3");
        assertThat(forwarded("a=1", route)).as("in a second Cookie header").containsExactly("a=1");
        assertThat(forwarded(route + "; c=3", "d=4")).containsExactly("c=3", "d=4");
        assertThat(forwarded("x=1", "y=2; " + route, "z=3")).containsExactly("x=1", "y=2", "z=3");
        assertThat(forwarded(route, route)).as("twice: both go").isEmpty();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(hits()).isEqualTo(7));
    }

    @Test
    void aForgedAffinityCookieInOneCookieHeaderDoesNotHideOursInAnother() throws Exception {
        // As a gateway from HTTP/2 may pass a browser's cookie crumbs on: another deployment's LB_ROUTE (a shared
        // parent domain) in one header, ours in the next.
        char last = token.charAt(token.length() - 1);
        String forged = "LB_ROUTE=" + token.substring(0, token.length() - 1) + (last == 'A' ? 'B' : 'A');
        String route = "LB_ROUTE=" + token;
        assertThat(forwarded(forged, "a=1; " + route)).containsExactly("a=1");
        assertThat(forwarded("b=2; " + forged, route, "c=3")).containsExactly("b=2", "c=3");
        assertThat(forwarded("LB_ROUTE=", route)).isEmpty();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(hits()).isEqualTo(3));
        assertThat(AffinityCluster.affinity(lb, AffinityOutcome.FORGED)).isZero();
    }

    @Test
    void anEmptyOrForeignAffinityCookieIsRemovedToo() throws Exception {
        assertThat(forwarded("LB_ROUTE=")).isEmpty();
        assertThat(forwarded("a=1; LB_ROUTE=; b=2")).containsExactly("a=1; b=2");
        assertThat(forwarded("LB_ROUTE=1.AAAA.bm90LWEtdG9rZW4.AAAAAAAAAAAAAAAAAAAAAA")).isEmpty();
        assertThat(forwarded("a=1", "LB_ROUTE=")).as("empty, in a second Cookie header").containsExactly("a=1");
        assertThat(forwarded("LB_ROUTEX=1; XLB_ROUTE=2")).as("similar names are not ours")
                .containsExactly("LB_ROUTEX=1; XLB_ROUTE=2");
        assertThat(forwarded()).isEmpty();
        assertThat(hits()).isZero();
    }
}
