package io.stickylb.affinity;

import static io.stickylb.affinity.AffinityCluster.affinity;
import static io.stickylb.affinity.AffinityCluster.poolOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stickylb.affinity.AffinityCluster.Browser;
import io.stickylb.affinity.AffinityCluster.Page;
import io.stickylb.backend.BackendState;
import io.stickylb.config.AffinityConfig.Mode;
import io.stickylb.config.PoolConfig.OnUnavailable;
import io.stickylb.routing.AffinityOutcome;
import io.stickylb.server.LoadBalancer;
import java.net.HttpCookie;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code strategy: cookie} in every mode, end to end: stickylb in-process in front of three real sample backends,
 * clients with a real cookie jar.
 */
class CookieAffinityEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private AffinityCluster cluster;

    @BeforeEach
    void start() {
        cluster = new AffinityCluster();
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    /** The cookie the client holds for this mode: stickylb's own, or the application's session cookie. */
    private static String affinityCookie(Mode mode) {
        return mode == Mode.INSERT ? "LB_ROUTE" : "JSESSIONID";
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void fiftyRequestsStayOnOneBackendAndItsSessionSurvives(Mode mode) throws Exception {
        LoadBalancer lb = cluster.start(cluster.pool(mode, null));
        Browser browser = new Browser();
        Page first = browser.get(lb);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.sessionNew()).isTrue();
        String home = first.backend();
        for (int i = 2; i <= 50; i++) {
            Page p = browser.get(lb);
            assertThat(p.status()).isEqualTo(200);
            assertThat(p.backend()).as("request %d", i).isEqualTo(home);
            assertThat(p.sessionNew()).isFalse();
            assertThat(p.sessionLost()).isFalse();
            assertThat(p.sessionRequests()).isEqualTo(i);
            assertThat(p.session()).isEqualTo(first.session());
            // The backend sees its own session id, never stickylb's token.
            assertThat(p.cookieSeenByBackend()).isEqualTo("JSESSIONID=" + first.session());
        }
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(affinity(lb, home, AffinityOutcome.NEW)).isEqualTo(1);
            assertThat(affinity(lb, home, AffinityOutcome.HIT)).isEqualTo(49);
        });
        if (mode == Mode.PREFIX) {
            assertThat(browser.cookie("JSESSIONID")).endsWith("~" + first.session());
        }
        if (mode == Mode.ROUTE_SUFFIX) {
            assertThat(browser.cookie("JSESSIONID")).isEqualTo(first.session()).endsWith("." + home);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"INSERT", "PREFIX"})
    void aTamperedCookieIsIgnoredCountedAndReplaced(Mode mode) throws Exception {
        LoadBalancer lb = cluster.start(cluster.pool(mode, null));
        Browser browser = new Browser();
        browser.get(lb);
        String name = affinityCookie(mode);
        String before = browser.cookie(name);
        // Flip one character of the payload (the part after the key id).
        browser.editCookie(name, v -> v.substring(0, 9) + (v.charAt(9) == 'A' ? 'B' : 'A') + v.substring(10));
        Page p = browser.get(lb);
        assertThat(p.status()).isEqualTo(200);
        assertThat(p.setCookies()).anySatisfy(sc -> assertThat(sc).startsWith(name + "="));
        assertThat(browser.cookie(name)).isNotEqualTo(before);
        await().atMost(WAIT).untilAsserted(() -> assertThat(affinity(lb, AffinityOutcome.FORGED)).isEqualTo(1));
        Page next = browser.get(lb);
        assertThat(next.backend()).isEqualTo(p.backend());
        await().atMost(WAIT).untilAsserted(() -> assertThat(affinity(lb, AffinityOutcome.HIT)).isEqualTo(1));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aStoppedStickyBackendFailsToConnectAndTheClientIsRedispatchedAndRepinned(Mode mode) throws Exception {
        LoadBalancer lb = cluster.start(cluster.pool(mode, null));
        Browser browser = new Browser();
        String home = browser.get(lb).backend();
        browser.get(lb);
        String cookieBefore = browser.cookie(affinityCookie(mode));
        cluster.backend(home).stop();

        Page moved = browser.get(lb);
        assertThat(moved.status()).isEqualTo(200);
        assertThat(moved.backend()).isNotEqualTo(home);
        assertThat(moved.sessionLost()).as("the old session lived on the stopped backend").isTrue();
        assertThat(browser.cookie(affinityCookie(mode))).as("a new cookie").isNotEqualTo(cookieBefore);
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(affinity(lb, moved.backend(), AffinityOutcome.BROKEN_CONNECT_FAILED)).isEqualTo(1));

        Page after = browser.get(lb);
        assertThat(after.backend()).isEqualTo(moved.backend());
        assertThat(after.sessionNew()).isFalse();
        assertThat(after.session()).isEqualTo(moved.session());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aBackendMarkedDownIsBrokenDownAndItsClientMovesToItsSuccessor(Mode mode) throws Exception {
        LoadBalancer lb = cluster.start(cluster.pool(mode, null));
        Browser browser = new Browser();
        String home = browser.get(lb).backend();
        poolOf(lb).setState(home, BackendState.DOWN, "test");

        Page moved = browser.get(lb);
        assertThat(moved.status()).isEqualTo(200);
        assertThat(moved.backend()).isNotEqualTo(home);
        assertThat(moved.setCookies()).anySatisfy(sc -> assertThat(sc).startsWith(affinityCookie(mode) + "="));
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(affinity(lb, moved.backend(), AffinityOutcome.BROKEN_DOWN)).isEqualTo(1));

        poolOf(lb).setState(home, BackendState.UP, "test");
        Page after = browser.get(lb);
        assertThat(after.backend()).as("return-home: never").isEqualTo(moved.backend());
        assertThat(after.sessionRequests()).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void onUnavailableFailAnswers503WhileTheStickyBackendIsDown(Mode mode) throws Exception {
        LoadBalancer lb = cluster.start(cluster.pool(mode, OnUnavailable.FAIL));
        Browser browser = new Browser();
        String home = browser.get(lb).backend();
        poolOf(lb).setState(home, BackendState.DOWN, "test");
        assertThat(browser.get(lb).status()).isEqualTo(503);
        await().atMost(WAIT).untilAsserted(() -> assertThat(affinity(lb, home, AffinityOutcome.BROKEN_DOWN))
                .as("nobody served it, so the break is counted at the backend it was pinned to").isEqualTo(1));
        assertThat(new Browser().get(lb).status()).as("new clients are still served").isEqualTo(200);
        poolOf(lb).setState(home, BackendState.UP, "test");
        Page back = browser.get(lb);
        assertThat(back.backend()).isEqualTo(home);
        assertThat(back.sessionNew()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"INSERT", "PREFIX", "ROUTE_SUFFIX"})
    void aCookieIssuedByOneInstanceIsHonouredByAnother(Mode mode) throws Exception {
        LoadBalancer a = cluster.start(cluster.pool(mode, null));
        LoadBalancer b = cluster.start(cluster.pool(mode, null));
        Browser browser = new Browser();
        Page first = browser.get(a);
        for (int i = 0; i < 10; i++) {
            Page p = browser.get(i % 2 == 0 ? b : a);
            assertThat(p.backend()).isEqualTo(first.backend());
            assertThat(p.sessionRequests()).isEqualTo(i + 2);
        }
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(affinity(b, AffinityOutcome.HIT)).isEqualTo(5);
            assertThat(affinity(b, AffinityOutcome.NEW)).isZero();
        });
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"INSERT", "PREFIX"})
    void twoInstancesSendAnOrphanToTheSameSuccessor(Mode mode) throws Exception {
        LoadBalancer a = cluster.start(cluster.pool(mode, null));
        LoadBalancer b = cluster.start(cluster.pool(mode, null));
        Browser browser = new Browser();
        String home = browser.get(a).backend();
        poolOf(a).setState(home, BackendState.DOWN, "test");
        poolOf(b).setState(home, BackendState.DOWN, "test");
        // With change-cookie-on-failure the first answer re-pins the client, so ask each instance with the same cookie.
        Browser twin = new Browser();
        URI host = URI.create("http://127.0.0.1/");
        for (HttpCookie c : browser.cookies.getCookieStore().getCookies()) {
            twin.cookies.getCookieStore().add(host, (HttpCookie) c.clone());
        }
        assertThat(twin.get(b).backend()).isEqualTo(browser.get(a).backend()).isNotEqualTo(home);
    }
}
