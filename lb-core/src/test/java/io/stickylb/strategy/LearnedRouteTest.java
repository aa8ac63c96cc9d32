package io.stickylb.strategy;

import static io.stickylb.strategy.AffinityHarness.affinity;
import static io.stickylb.strategy.AffinityHarness.pool;
import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.backend.BackendState;
import io.stickylb.config.AffinityConfig;
import io.stickylb.config.AffinityConfig.Mode;
import io.stickylb.routing.AffinityOutcome;
import io.stickylb.strategy.AffinityHarness.Client;
import io.stickylb.strategy.AffinityHarness.Exchange;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Learn mode: session ids learnt from the backends' Set-Cookie route later requests. */
class LearnedRouteTest {

    private final AffinityHarness h = new AffinityHarness(pool(3, affinity(Mode.LEARN)));

    @Test
    void aSessionSetByABackendIsRoutedBackToIt() {
        Client c = h.client();
        Exchange first = c.send(b -> List.of("JSESSIONID=s-" + b.id() + "; Path=/"));
        assertThat(first.outcome()).isEqualTo(AffinityOutcome.NEW);
        assertThat(first.setCookies()).containsExactly("JSESSIONID=s-" + first.backendId() + "; Path=/");
        assertThat(h.strategy.learnedSessions()).isEqualTo(1);
        for (int i = 0; i < 10; i++) {
            Exchange e = c.send();
            assertThat(e.outcome()).isEqualTo(AffinityOutcome.HIT);
            assertThat(e.backend()).isSameAs(first.backend());
        }
    }

    @Test
    void anUnknownSessionIdIsNewAndIsNotLearntFromTheRequest() {
        Client c = h.client();
        c.cookies.put("JSESSIONID", "made-up");
        assertThat(c.send().outcome()).isEqualTo(AffinityOutcome.NEW);
        assertThat(h.strategy.learnedSessions()).isZero();
    }

    @Test
    void aDeletedCookieForgetsTheSession() {
        Client c = h.client();
        c.send(b -> List.of("JSESSIONID=s1"));
        assertThat(c.send().outcome()).isEqualTo(AffinityOutcome.HIT);
        c.send(b -> List.of("JSESSIONID=; Max-Age=0"));
        assertThat(h.strategy.learnedSessions()).isZero();
    }

    @Test
    void afterAFailureTheEntryMovesToTheSuccessor() {
        Client c = h.client();
        String home = c.send(b -> List.of("JSESSIONID=shared")).backendId();
        h.pool.setState(home, BackendState.DOWN, "test");
        // A shared session store: the successor knows the session and sets no new cookie.
        Exchange moved = c.send();
        assertThat(moved.outcome()).isEqualTo(AffinityOutcome.BROKEN_DOWN);
        h.pool.setState(home, BackendState.UP, "test");
        Exchange after = c.send();
        assertThat(after.outcome()).isEqualTo(AffinityOutcome.HIT);
        assertThat(after.backendId()).isEqualTo(moved.backendId());
    }

    @Test
    void theTableIsBoundedAndForgetsIdleSessions() {
        AffinityConfig d = AffinityConfig.DEFAULTS;
        AffinityConfig small = new AffinityConfig(Mode.LEARN, d.name(), d.cookieName(), List.of(), d.path(),
                d.domain(), true, false, "Lax", Duration.ZERO, Duration.ZERO, Duration.ZERO, 10,
                Duration.ofMinutes(30));
        AffinityHarness t = new AffinityHarness(pool(3, small));
        for (int i = 0; i < 25; i++) {
            int n = i;
            t.client().send(b -> List.of("JSESSIONID=s" + n));
        }
        assertThat(t.strategy.learnedSessions()).isEqualTo(10);
        assertThat(t.strategy.learnedEvictions()).isEqualTo(15);
        t.clock.advance(Duration.ofMinutes(31));
        Client late = t.client();
        late.cookies.put("JSESSIONID", "s24");
        assertThat(late.send().outcome()).isEqualTo(AffinityOutcome.NEW);
        assertThat(t.strategy.learnedExpirations()).isEqualTo(10);
    }

    @Test
    void anEmptySessionCookieBeforeTheLearntOneDoesNotHideIt() {
        Client c = h.client();
        String home = c.send(b -> List.of("JSESSIONID=s-" + b.id() + "; Path=/")).backendId();
        c.cookies.put("JSESSIONID", "; JSESSIONID=" + c.cookies.get("JSESSIONID"));
        Exchange e = c.send();
        assertThat(e.outcome()).isEqualTo(AffinityOutcome.HIT);
        assertThat(e.backendId()).isEqualTo(home);
    }
}
