package io.stickylb.warmup;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.config.ConfigLoader;
import io.stickylb.config.LoadBalancerConfig;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WarmupTrafficTest {

    private static LoadBalancerConfig config(String pools) throws Exception {
        return ConfigLoader.parse("listen: 127.0.0.1:0\npools:\n" + pools
                + "routes:\n  - { path-prefix: /, pool: app }\n", "test.yaml", Map.of());
    }

    private static final String BACKENDS = "    backends: [ { id: a, address: 127.0.0.1:1 } ]\n";

    @Test
    void theAffinityCookiesAreInsertModesOwnAndTheApplicationsSessionCookieOfTheOtherModes() throws Exception {
        LoadBalancerConfig c = config("  app:\n    strategy: cookie\n" + BACKENDS
                + "  shop:\n    strategy: cookie\n    affinity: { mode: prefix, cookie-name: SESSION }\n" + BACKENDS
                + "  api:\n    strategy: round-robin\n" + BACKENDS);

        assertThat(WarmupTraffic.affinityCookies(c)).containsExactlyInAnyOrder("LB_ROUTE", "SESSION");
    }

    @Test
    void roundRobinPoolsHaveNoAffinityCookie() throws Exception {
        assertThat(WarmupTraffic.affinityCookies(config("  app:\n    strategy: round-robin\n" + BACKENDS))).isEmpty();
    }

    @Test
    void aBareGetCarriesTheAffinityCookiesAndCurlNoneAsAStickyClientAndAOneOffDo() throws Exception {
        WarmupTraffic traffic = new WarmupTraffic(config("  app:\n    strategy: cookie\n" + BACKENDS), 8080);
        String bare = text(traffic.request(0, "LB_ROUTE=1.x; JSESSIONID=y", "LB_ROUTE=1.x"));
        String curl = text(traffic.request(5, "LB_ROUTE=1.x; JSESSIONID=y", "LB_ROUTE=1.x"));
        String browser = text(traffic.request(9, "LB_ROUTE=1.x; JSESSIONID=y", "LB_ROUTE=1.x"));

        assertThat(WarmupTraffic.sendsAffinityCookies(0)).isTrue();
        assertThat(bare).contains("\r\nCookie: LB_ROUTE=1.x\r\n").doesNotContain("JSESSIONID");
        assertThat(WarmupTraffic.sendsAffinityCookies(5)).isFalse();
        assertThat(curl).contains("User-Agent: curl").doesNotContain("Cookie");
        assertThat(WarmupTraffic.sendsAffinityCookies(9)).isFalse();
        assertThat(browser).contains("\r\nCookie: LB_ROUTE=1.x; JSESSIONID=y; theme=dark\r\n");
        // Until the client holds a cookie, the bare GET stays bare.
        assertThat(text(traffic.request(0, "", ""))).doesNotContain("Cookie");
    }

    @Test
    void everyOtherBareGetNamesItsCookieBeforeHostAsWrkDoesInSomeRuns() throws Exception {
        WarmupTraffic traffic = new WarmupTraffic(config("  app:\n    strategy: cookie\n" + BACKENDS), 8080);
        String first = text(traffic.request(0, "", "LB_ROUTE=1.x"));
        String next = text(traffic.request(WarmupTraffic.SHAPES, "", "LB_ROUTE=1.x"));

        assertThat(first.indexOf("\r\nHost: ")).isLessThan(first.indexOf("\r\nCookie: "));
        assertThat(next.indexOf("\r\nCookie: ")).isPositive().isLessThan(next.indexOf("\r\nHost: "));
        // Without a cookie there is only Host.
        assertThat(text(traffic.request(WarmupTraffic.SHAPES, "", ""))).startsWith("GET / HTTP/1.1\r\nHost: ")
                .doesNotContain("Cookie");
    }

    private static String text(byte[] request) {
        return new String(request, StandardCharsets.US_ASCII);
    }
}
