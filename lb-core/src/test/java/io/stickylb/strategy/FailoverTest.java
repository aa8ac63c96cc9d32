package io.stickylb.strategy;

import static io.stickylb.strategy.AffinityHarness.affinity;
import static io.stickylb.strategy.AffinityHarness.backends;
import static io.stickylb.strategy.AffinityHarness.pool;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpRequest;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendState;
import io.stickylb.config.AffinityConfig.Mode;
import io.stickylb.config.PoolConfig;
import io.stickylb.config.PoolConfig.OnUnavailable;
import io.stickylb.config.PoolConfig.ReturnHome;
import io.stickylb.routing.AffinityOutcome;
import io.stickylb.routing.RequestContext;
import io.stickylb.strategy.AffinityHarness.Client;
import io.stickylb.strategy.AffinityHarness.Exchange;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What happens to a pinned client when its backend cannot serve it, under each failure setting. */
class FailoverTest {

    private static AffinityHarness harness(OnUnavailable on, ReturnHome home, boolean change) {
        return new AffinityHarness(pool("app", backends(4), affinity(Mode.INSERT), on, home, change));
    }

    private static AffinityHarness defaults() {
        return harness(null, null, true);
    }

    @Test
    void aClientOfADownBackendMovesToItsSuccessorAndStaysThereByDefault() {
        AffinityHarness h = defaults();
        Client c = h.client();
        String home = c.send().backendId();
        h.pool.setState(home, BackendState.DOWN, "test");

        Exchange moved = c.send();
        assertThat(moved.outcome()).isEqualTo(AffinityOutcome.BROKEN_DOWN);
        assertThat(moved.backendId()).isNotEqualTo(home);
        assertThat(moved.setCookies()).as("re-pinned to the successor").hasSize(1);
        Exchange after = c.send();
        assertThat(after.outcome()).isEqualTo(AffinityOutcome.HIT);
        assertThat(after.backendId()).isEqualTo(moved.backendId());

        h.pool.setState(home, BackendState.UP, "test");
        assertThat(c.send().backendId()).as("return-home: never").isEqualTo(moved.backendId());
    }

    @Test
    void theRePinnedCookieKeepsTheClientNonceSoItsSuccessorOrderIsUnchanged() {
        AffinityHarness h = defaults();
        Client c = h.client();
        c.send();
        TokenCodec codec = new TokenCodec(List.of(AffinityHarness.SECRET));
        String before = c.cookies.get("LB_ROUTE");
        AffinityToken t0 = codec.decode(before, 0, before.length());
        h.pool.setState(t0.backendId(), BackendState.DOWN, "test");
        c.send();
        String after = c.cookies.get("LB_ROUTE");
        AffinityToken t1 = codec.decode(after, 0, after.length());
        assertThat(t1.nonce()).isEqualTo(t0.nonce());
        assertThat(t1.issued()).isEqualTo(t0.issued());
        assertThat(t1.backendId()).isNotEqualTo(t0.backendId());
    }

    @Test
    void withReturnHomeImmediateTheCookieKeepsPointingHomeAndTheClientGoesBack() {
        AffinityHarness h = harness(null, ReturnHome.IMMEDIATE, true);
        assertGoesHomeAfterRecovery(h);
    }

    @Test
    void withoutChangeCookieOnFailureTheClientAlsoGoesBackHome() {
        AffinityHarness h = harness(null, ReturnHome.NEVER, false);
        assertGoesHomeAfterRecovery(h);
    }

    private static void assertGoesHomeAfterRecovery(AffinityHarness h) {
        Client c = h.client();
        String home = c.send().backendId();
        h.pool.setState(home, BackendState.DOWN, "test");
        Exchange first = c.send();
        assertThat(first.outcome()).isEqualTo(AffinityOutcome.BROKEN_DOWN);
        assertThat(first.setCookies()).isEmpty();
        for (int i = 0; i < 5; i++) {
            Exchange e = c.send();
            assertThat(e.outcome()).isEqualTo(AffinityOutcome.BROKEN_DOWN);
            assertThat(e.backendId()).as("always the same successor").isEqualTo(first.backendId());
        }
        h.pool.setState(home, BackendState.UP, "test");
        Exchange back = c.send();
        assertThat(back.outcome()).isEqualTo(AffinityOutcome.HIT);
        assertThat(back.backendId()).isEqualTo(home);
    }

    @Test
    void aDrainingBackendKeepsItsStickyClientsButGetsNoNewOnes() {
        AffinityHarness h = defaults();
        Client c = h.client();
        String home = c.send().backendId();
        h.pool.setState(home, BackendState.DRAINING, "test");
        for (int i = 0; i < 10; i++) {
            Exchange e = c.send();
            assertThat(e.outcome()).isEqualTo(AffinityOutcome.HIT);
            assertThat(e.backendId()).isEqualTo(home);
        }
        for (int i = 0; i < 40; i++) {
            Exchange e = h.client().send();
            assertThat(e.outcome()).isEqualTo(AffinityOutcome.NEW);
            assertThat(e.backendId()).isNotEqualTo(home);
        }
    }

    @Test
    void aConnectFailureToTheHomeBackendRetriesOnTheSuccessorEvenAfterTheCookieWasStripped() {
        AffinityHarness h = defaults();
        Client c = h.client();
        String home = c.send().backendId();
        HttpRequest request = c.request();
        RequestContext ctx = new RequestContext(h.pool, request, InetAddress.getLoopbackAddress());
        Backend first = h.strategy.choose(ctx);
        assertThat(first.id()).isEqualTo(home);
        assertThat(ctx.affinity()).isEqualTo(AffinityOutcome.HIT);
        // A pooled connection that turned out dead: the head (cookie stripped) was already written once.
        h.strategy.beforeForward(ctx, request);
        ctx.exclude(first);
        Backend second = h.strategy.choose(ctx);
        assertThat(ctx.affinity()).isEqualTo(AffinityOutcome.BROKEN_CONNECT_FAILED);
        assertThat(second).isNotNull().isNotSameAs(first);
        Exchange e = c.finish(ctx, second, b -> List.of());
        assertThat(e.setCookies()).hasSize(1);
        assertThat(c.send().backendId()).isEqualTo(second.id());
    }

    @Test
    void theSuccessorOfAFailedConnectIsTheSameAsForADownBackend() {
        AffinityHarness h = defaults();
        Client c = h.client();
        String home = c.send().backendId();
        RequestContext ctx = new RequestContext(h.pool, c.request(), InetAddress.getLoopbackAddress());
        h.strategy.choose(ctx);
        ctx.exclude(h.backend(home));
        String afterConnectFailure = h.strategy.choose(ctx).id();
        h.pool.setState(home, BackendState.DOWN, "test");
        RequestContext down = new RequestContext(h.pool, c.request(), InetAddress.getLoopbackAddress());
        assertThat(h.strategy.choose(down).id()).isEqualTo(afterConnectFailure);
    }

    @Test
    void aDrainingBackendThatRefusesConnectionsIsBrokenDraining() {
        AffinityHarness h = defaults();
        Client c = h.client();
        String home = c.send().backendId();
        h.pool.setState(home, BackendState.DRAINING, "test");
        RequestContext ctx = new RequestContext(h.pool, c.request(), InetAddress.getLoopbackAddress());
        h.strategy.choose(ctx);
        ctx.exclude(h.backend(home));
        assertThat(h.strategy.choose(ctx).id()).isNotEqualTo(home);
        assertThat(ctx.affinity()).isEqualTo(AffinityOutcome.BROKEN_DRAINING);
    }

    @Test
    void aBackendInMaintenanceBreaksAffinityAsDown() {
        AffinityHarness h = defaults();
        Client c = h.client();
        String home = c.send().backendId();
        h.pool.setState(home, BackendState.MAINTENANCE, "test");
        assertThat(c.send().outcome()).isEqualTo(AffinityOutcome.BROKEN_DOWN);
    }

    @Test
    void aBackendRemovedFromTheConfigIsBrokenRemoved() {
        AffinityHarness h = defaults();
        Client c = h.client();
        String home = c.send().backendId();
        PoolConfig smaller = h.pool.config().withBackends(backends(4).stream().filter(b -> !b.id().equals(home))
                .toList());
        h.pool.reconfigure(smaller);
        Exchange e = c.send();
        assertThat(e.outcome()).isEqualTo(AffinityOutcome.BROKEN_REMOVED);
        assertThat(e.backendId()).isNotEqualTo(home);
        assertThat(c.send().outcome()).isEqualTo(AffinityOutcome.HIT);
    }

    @Test
    void onUnavailableFailAnswersNothingButRecordsWhy() {
        AffinityHarness h = harness(OnUnavailable.FAIL, null, true);
        Client c = h.client();
        String home = c.send().backendId();
        h.pool.setState(home, BackendState.DOWN, "test");
        Exchange e = c.send();
        assertThat(e.backend()).isNull();
        assertThat(e.outcome()).isEqualTo(AffinityOutcome.BROKEN_DOWN);
        assertThat(h.client().send().backend()).as("new clients are still served").isNotNull();
        h.pool.setState(home, BackendState.UP, "test");
        assertThat(c.send().backendId()).isEqualTo(home);
    }

    @Test
    void inPanicModeAPinnedClientKeepsItsBackendEvenIfItIsDown() {
        AffinityHarness h = defaults();
        Client c = h.client();
        String home = c.send().backendId();
        for (int i = 1; i <= 4; i++) {
            h.pool.setState("b" + i, BackendState.DOWN, "test");
        }
        assertThat(h.pool.snapshot().panic()).isTrue();
        Exchange e = c.send();
        assertThat(e.outcome()).isEqualTo(AffinityOutcome.HIT);
        assertThat(e.backendId()).isEqualTo(home);
    }

    @Test
    void withEveryBackendInMaintenanceThereIsNoChoice() {
        AffinityHarness h = defaults();
        Client c = h.client();
        c.send();
        for (int i = 1; i <= 4; i++) {
            h.pool.setState("b" + i, BackendState.MAINTENANCE, "test");
        }
        Exchange e = c.send();
        assertThat(e.backend()).isNull();
        assertThat(e.outcome()).isEqualTo(AffinityOutcome.BROKEN_DOWN);
        assertThat(h.client().send().backend()).isNull();
    }
}
