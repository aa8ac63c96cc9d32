package io.stickylb.strategy;

import static io.stickylb.strategy.AffinityHarness.affinity;
import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.backend.BackendState;
import io.stickylb.config.AffinityConfig.Mode;
import io.stickylb.config.BackendConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.routing.AffinityOutcome;
import io.stickylb.strategy.AffinityHarness.Client;
import io.stickylb.strategy.AffinityHarness.Exchange;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Route-suffix mode (mod_jk): the part after the last dot of the session id names the backend's route. */
class RouteSuffixTest {

    private final AffinityHarness h = new AffinityHarness(AffinityHarness.pool("app", List.of(
            new BackendConfig("b1", new Endpoint("127.0.0.1", 9001), 1),
            new BackendConfig("b2", new Endpoint("127.0.0.1", 9002), 1, "node2"),
            new BackendConfig("b3", new Endpoint("127.0.0.1", 9003), 1)),
            affinity(Mode.ROUTE_SUFFIX), null, null, true));

    @Test
    void theRouteAfterTheLastDotPicksTheBackendAndTheCookieIsUntouched() {
        Client c = h.client();
        c.cookies.put("JSESSIONID", "ab.cd.node2");
        for (int i = 0; i < 5; i++) {
            Exchange e = c.send();
            assertThat(e.outcome()).isEqualTo(AffinityOutcome.HIT);
            assertThat(e.backendId()).isEqualTo("b2");
            assertThat(e.forwardedCookie()).isEqualTo("JSESSIONID=ab.cd.node2");
            assertThat(e.setCookies()).isEmpty();
        }
        c.cookies.put("JSESSIONID", "xyz.b3");
        assertThat(c.send().backendId()).isEqualTo("b3");
    }

    @Test
    void theJsessionidPathParameterIsHonouredWhenThereIsNoCookie() {
        Client c = h.client();
        c.uri = "/shop/cart;jsessionid=XYZ.b1?item=3";
        Exchange e = c.send();
        assertThat(e.outcome()).isEqualTo(AffinityOutcome.HIT);
        assertThat(e.backendId()).isEqualTo("b1");
        assertThat(e.forwarded().uri()).isEqualTo("/shop/cart;jsessionid=XYZ.b1?item=3");
    }

    @Test
    void anUnknownRouteIsBrokenRemovedAndGoesToADeterministicSuccessor() {
        Client c = h.client();
        c.cookies.put("JSESSIONID", "abc.gone");
        Exchange e = c.send();
        assertThat(e.outcome()).isEqualTo(AffinityOutcome.BROKEN_REMOVED);
        for (int i = 0; i < 5; i++) {
            assertThat(c.send().backendId()).isEqualTo(e.backendId());
        }
    }

    @Test
    void aSessionIdWithoutRouteIsNew() {
        Client c = h.client();
        c.cookies.put("JSESSIONID", "abc");
        assertThat(c.send().outcome()).isEqualTo(AffinityOutcome.NEW);
        c.cookies.put("JSESSIONID", "abc.");
        assertThat(c.send().outcome()).isEqualTo(AffinityOutcome.NEW);
        assertThat(h.client().send().outcome()).isEqualTo(AffinityOutcome.NEW);
    }

    @Test
    void aDownBackendsSessionsGoToTheirSuccessor() {
        Client c = h.client();
        c.cookies.put("JSESSIONID", "abc.b1");
        h.pool.setState("b1", BackendState.DOWN, "test");
        Exchange e = c.send();
        assertThat(e.outcome()).isEqualTo(AffinityOutcome.BROKEN_DOWN);
        assertThat(e.backendId()).isNotEqualTo("b1");
    }
}
