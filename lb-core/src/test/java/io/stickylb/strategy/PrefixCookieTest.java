package io.stickylb.strategy;

import static io.stickylb.strategy.AffinityHarness.affinity;
import static io.stickylb.strategy.AffinityHarness.pool;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendState;
import io.stickylb.config.AffinityConfig.Mode;
import io.stickylb.routing.AffinityOutcome;
import io.stickylb.routing.RequestContext;
import io.stickylb.strategy.AffinityHarness.Client;
import io.stickylb.strategy.AffinityHarness.Exchange;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Prefix mode: the token rides on the application's JSESSIONID and the backend never sees it. */
class PrefixCookieTest {

    private final AffinityHarness h = new AffinityHarness(pool(3, affinity(Mode.PREFIX)));

    /** The application: a new session per backend the first time, nothing afterwards. */
    private static Function<Backend, List<String>> app(String session) {
        return b -> List.of("JSESSIONID=" + session + "-" + b.id() + "; Path=/app; HttpOnly", "theme=dark; Path=/");
    }

    private static final Function<Backend, List<String>> QUIET = b -> List.of();

    @Test
    void theApplicationCookieIsPrefixedOnTheWayOutAndUnprefixedOnTheWayIn() {
        Client c = h.client();
        Exchange first = c.send(app("abc"));
        assertThat(first.outcome()).isEqualTo(AffinityOutcome.NEW);
        List<String> set = first.setCookies();
        assertThat(set.get(0)).matches("JSESSIONID=1\\.[A-Za-z0-9_.-]+~abc-" + first.backendId()
                + "; Path=/app; HttpOnly");
        assertThat(set.get(1)).isEqualTo("theme=dark; Path=/");
        assertThat(first.response().headers().get(HttpHeaderNames.CACHE_CONTROL)).isEqualTo("private");
        c.cookies.put("other", "1");
        for (int i = 0; i < 10; i++) {
            Exchange e = c.send(QUIET);
            assertThat(e.outcome()).isEqualTo(AffinityOutcome.HIT);
            assertThat(e.backend()).isSameAs(first.backend());
            assertThat(e.forwardedCookie()).isEqualTo("JSESSIONID=abc-" + first.backendId() + "; theme=dark; other=1");
        }
    }

    @Test
    void withoutAnApplicationCookieNothingIsSet() {
        Exchange e = h.client().send(QUIET);
        assertThat(e.outcome()).isEqualTo(AffinityOutcome.NEW);
        assertThat(e.setCookies()).isEmpty();
        assertThat(e.response().headers().contains(HttpHeaderNames.CACHE_CONTROL)).isFalse();
    }

    @Test
    void aForgedPrefixIsStrippedAndTheSessionIdPassedOn() {
        Client c = h.client();
        c.send(app("abc"));
        String v = c.cookies.get("JSESSIONID");
        int tilde = v.indexOf('~');
        c.cookies.put("JSESSIONID", v.substring(0, tilde - 3) + (v.charAt(tilde - 3) == 'A' ? 'B' : 'A')
                + v.substring(tilde - 2));
        Exchange e = c.send(QUIET);
        assertThat(e.outcome()).isEqualTo(AffinityOutcome.FORGED);
        assertThat(e.forwardedCookie()).startsWith("JSESSIONID=abc-b");
    }

    @Test
    void aPlainOrTildeCarryingSessionIdIsNoAffinityAndPassesUnchanged() {
        Client plain = h.client();
        plain.cookies.put("JSESSIONID", "abc");
        Exchange e = plain.send(QUIET);
        assertThat(e.outcome()).isEqualTo(AffinityOutcome.NEW);
        assertThat(e.forwardedCookie()).isEqualTo("JSESSIONID=abc");

        Client tilde = h.client();
        tilde.cookies.put("JSESSIONID", "a~b");
        e = tilde.send(QUIET);
        assertThat(e.outcome()).isEqualTo(AffinityOutcome.NEW);
        assertThat(e.forwardedCookie()).isEqualTo("JSESSIONID=a~b");
    }

    @Test
    void aDeletedApplicationCookieStaysDeleted() {
        Client c = h.client();
        c.send(app("abc"));
        Exchange e = c.send(b -> List.of("JSESSIONID=; Max-Age=0; Path=/app"));
        assertThat(e.setCookies()).containsExactly("JSESSIONID=; Max-Age=0; Path=/app");
    }

    @Test
    void theSuccessorsNewSessionCookieCarriesTheSuccessor() {
        Client c = h.client();
        String home = c.send(app("abc")).backendId();
        h.pool.setState(home, BackendState.DOWN, "test");
        Exchange moved = c.send(app("def"));
        assertThat(moved.outcome()).isEqualTo(AffinityOutcome.BROKEN_DOWN);
        assertThat(moved.forwardedCookie()).startsWith("JSESSIONID=abc-" + home);
        Exchange after = c.send(QUIET);
        assertThat(after.outcome()).isEqualTo(AffinityOutcome.HIT);
        assertThat(after.backendId()).isEqualTo(moved.backendId());
        assertThat(after.forwardedCookie()).startsWith("JSESSIONID=def-" + moved.backendId());
    }

    @Test
    void aQuotedApplicationValueKeepsItsQuotes() {
        Client c = h.client();
        Exchange first = c.send(b -> List.of("JSESSIONID=\"q1\"; Path=/"));
        assertThat(first.setCookies().get(0)).matches("JSESSIONID=\"1\\.[A-Za-z0-9_.-]+~q1\"; Path=/");
        Exchange e = c.send(QUIET);
        assertThat(e.outcome()).isEqualTo(AffinityOutcome.HIT);
        assertThat(e.forwardedCookie()).isEqualTo("JSESSIONID=\"q1\"");
    }

    @Test
    void anEmptyOrForeignSessionCookieBeforeOursNeitherBreaksAffinityNorLetsTheTokenThrough() {
        Client c = h.client();
        String home = c.send(app("abc")).backendId();
        String ours = c.cookies.get("JSESSIONID");
        AffinityHarness other = new AffinityHarness(pool(3, affinity(Mode.PREFIX, List.of("another secret"),
                Duration.ZERO, Duration.ZERO)));
        Client foreign = other.client();
        foreign.send(app("zzz"));
        for (String before : List.of("", "plain", foreign.cookies.get("JSESSIONID"))) {
            c.cookies.put("JSESSIONID", before + "; JSESSIONID=" + ours);
            Exchange e = c.send(QUIET);
            assertThat(e.outcome()).as(before).isEqualTo(AffinityOutcome.HIT);
            assertThat(e.backendId()).isEqualTo(home);
            assertThat(e.forwardedCookie()).as("no token reaches the backend").doesNotContain("~")
                    .contains("JSESSIONID=abc-" + home);
        }
    }

    @Test
    void ourPrefixedCookieIsFoundAndStrippedInAnyCookieHeader() {
        Client c = h.client();
        String home = c.send(app("abc")).backendId();
        String ours = "JSESSIONID=" + c.cookies.get("JSESSIONID");
        AffinityHarness other = new AffinityHarness(pool(3, affinity(Mode.PREFIX, List.of("another secret"),
                Duration.ZERO, Duration.ZERO)));
        Client foreign = other.client();
        foreign.send(app("zzz"));
        // Several Cookie headers, as a gateway from HTTP/2 may send a browser's cookie crumbs.
        for (String before : List.of("JSESSIONID=plain", "JSESSIONID=" + foreign.cookies.get("JSESSIONID"))) {
            HttpRequest request = c.request();
            request.headers().set(HttpHeaderNames.COOKIE, List.of("a=1; " + before, ours));
            RequestContext ctx = new RequestContext(h.pool, request, InetAddress.getLoopbackAddress());
            Exchange e = c.finish(ctx, h.strategy.choose(ctx), QUIET);
            assertThat(e.outcome()).as(before).isEqualTo(AffinityOutcome.HIT);
            assertThat(e.backendId()).isEqualTo(home);
            assertThat(request.headers().getAll(HttpHeaderNames.COOKIE)).as("no token reaches the backend")
                    .allSatisfy(v -> assertThat(v).doesNotContain("~")).contains("JSESSIONID=abc-" + home);
        }
    }
}
