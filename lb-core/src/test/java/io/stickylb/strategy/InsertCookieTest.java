package io.stickylb.strategy;

import static io.stickylb.strategy.AffinityHarness.affinity;
import static io.stickylb.strategy.AffinityHarness.pool;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.stickylb.config.AffinityConfig.Mode;
import io.stickylb.routing.AffinityOutcome;
import io.stickylb.strategy.AffinityHarness.Client;
import io.stickylb.strategy.AffinityHarness.Exchange;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Insert mode: the signed LB_ROUTE cookie's life from issue to expiry, rotation and removal before forwarding. */
class InsertCookieTest {

    private final AffinityHarness h = new AffinityHarness(pool(3, affinity(Mode.INSERT)));

    @Test
    void aNewClientGetsASignedCookieWithTheConfiguredAttributesAndSticks() {
        Client c = h.client();
        Exchange first = c.send();
        assertThat(first.outcome()).isEqualTo(AffinityOutcome.NEW);
        assertThat(first.setCookies()).singleElement().satisfies(sc -> assertThat(sc).matches(
                "LB_ROUTE=1\\.[A-Za-z0-9_-]{4}\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{22}; Path=/; HttpOnly; SameSite=Lax"));
        assertThat(first.response().headers().get(HttpHeaderNames.CACHE_CONTROL)).isEqualTo("private");
        for (int i = 0; i < 20; i++) {
            Exchange next = c.send();
            assertThat(next.outcome()).isEqualTo(AffinityOutcome.HIT);
            assertThat(next.backend()).isSameAs(first.backend());
            assertThat(next.setCookies()).as("set only when it must change").isEmpty();
            assertThat(next.response().headers().contains(HttpHeaderNames.CACHE_CONTROL)).isFalse();
        }
    }

    @Test
    void theCookieCarriesTheBackendIdNeverItsAddress() {
        Client c = h.client();
        c.send();
        String token = c.cookies.get("LB_ROUTE");
        assertThat(token).doesNotContain("127.0.0.1").doesNotContain("900");
        AffinityToken t = new TokenCodec(List.of(AffinityHarness.SECRET)).decode(token, 0, token.length());
        assertThat(t.backendId()).matches("b[123]");
    }

    @Test
    void theAffinityCookieIsRemovedBeforeForwardingAndOtherCookiesAreKept() {
        Client c = h.client();
        c.cookies.put("a", "1");
        c.send();
        c.cookies.put("b", "\"two\"");
        Exchange e = c.send();
        assertThat(e.outcome()).isEqualTo(AffinityOutcome.HIT);
        assertThat(e.forwardedCookie()).isEqualTo("a=1; b=\"two\"");

        Client alone = h.client();
        alone.send();
        assertThat(alone.send().forwarded().headers().contains(HttpHeaderNames.COOKIE)).isFalse();
    }

    @Test
    void aTamperedCookieIsIgnoredCountedAsForgedAndReissued() {
        Client c = h.client();
        c.send();
        String token = c.cookies.get("LB_ROUTE");
        int at = token.indexOf('.', 2) + 3;
        c.cookies.put("LB_ROUTE", token.substring(0, at) + (token.charAt(at) == 'A' ? 'B' : 'A')
                + token.substring(at + 1));
        Exchange e = c.send();
        assertThat(e.outcome()).isEqualTo(AffinityOutcome.FORGED);
        assertThat(e.setCookies()).hasSize(1);
        assertThat(e.forwardedCookie()).isNull();
        assertThat(c.send().outcome()).isEqualTo(AffinityOutcome.HIT);
    }

    @Test
    void aForeignCookieOfTheSameNameBeforeOursDoesNotBreakAffinity() {
        Client c = h.client();
        String home = c.send().backendId();
        String ours = c.cookies.get("LB_ROUTE");
        AffinityHarness other = new AffinityHarness(pool(3, affinity(Mode.INSERT, List.of("another secret"),
                Duration.ZERO, Duration.ZERO)));
        Client foreign = other.client();
        foreign.send();
        // As a browser sends both when another stickylb sets LB_ROUTE on a shared parent domain.
        c.cookies.put("LB_ROUTE", foreign.cookies.get("LB_ROUTE") + "; LB_ROUTE=" + ours);
        Exchange e = c.send();
        assertThat(e.outcome()).isEqualTo(AffinityOutcome.HIT);
        assertThat(e.backendId()).isEqualTo(home);
        assertThat(e.setCookies()).as("ours is still right").isEmpty();
        assertThat(e.forwardedCookie()).as("both removed before forwarding").isNull();

        c.cookies.put("LB_ROUTE", foreign.cookies.get("LB_ROUTE") + "; LB_ROUTE=" + foreign.cookies.get("LB_ROUTE"));
        assertThat(c.send().outcome()).as("none of ours").isEqualTo(AffinityOutcome.FORGED);
    }

    @Test
    void truncatedEmptyAndForeignCookiesAreForged() {
        Client c = h.client();
        c.send();
        String token = c.cookies.get("LB_ROUTE");
        c.cookies.put("LB_ROUTE", token.substring(0, token.length() - 5));
        assertThat(c.send().outcome()).isEqualTo(AffinityOutcome.FORGED);

        AffinityHarness other = new AffinityHarness(pool(3, affinity(Mode.INSERT, List.of("another secret"),
                Duration.ZERO, Duration.ZERO)));
        Client foreign = other.client();
        foreign.send();
        Client victim = h.client();
        victim.cookies.put("LB_ROUTE", foreign.cookies.get("LB_ROUTE"));
        assertThat(victim.send().outcome()).isEqualTo(AffinityOutcome.FORGED);

        Client empty = h.client();
        empty.cookies.put("LB_ROUTE", "");
        Exchange e = empty.send();
        assertThat(e.outcome()).isEqualTo(AffinityOutcome.NEW);
        assertThat(e.forwardedCookie()).isNull();
    }

    @Test
    void aCookieSignedByAnOlderKeyIsHonouredAndReSignedWithTheNewOne() {
        var oldCfg = pool(3, affinity(Mode.INSERT, List.of("old"), Duration.ZERO, Duration.ZERO));
        var rotatedCfg = pool(3, affinity(Mode.INSERT, List.of("new", "old"), Duration.ZERO, Duration.ZERO));
        var newOnlyCfg = pool(3, affinity(Mode.INSERT, List.of("new"), Duration.ZERO, Duration.ZERO));
        AffinityHarness before = new AffinityHarness(oldCfg);
        Client c = before.client();
        String home = c.send().backendId();
        String oldToken = c.cookies.get("LB_ROUTE");

        AffinityHarness after = new AffinityHarness(rotatedCfg);
        Client rotated = after.client();
        rotated.cookies.putAll(c.cookies);
        Exchange e = rotated.send();
        assertThat(e.outcome()).isEqualTo(AffinityOutcome.HIT);
        assertThat(e.backendId()).isEqualTo(home);
        assertThat(e.setCookies()).as("re-signed").hasSize(1);
        assertThat(rotated.cookies.get("LB_ROUTE")).isNotEqualTo(oldToken);
        assertThat(rotated.send().setCookies()).as("only once").isEmpty();

        AffinityHarness later = new AffinityHarness(newOnlyCfg);
        Client resigned = later.client();
        resigned.cookies.putAll(rotated.cookies);
        assertThat(resigned.send().outcome()).isEqualTo(AffinityOutcome.HIT);
        Client stale = later.client();
        stale.cookies.put("LB_ROUTE", oldToken);
        assertThat(stale.send().outcome()).as("the old key was retired").isEqualTo(AffinityOutcome.FORGED);
    }

    @Test
    void maxIdleExpiresAnIdleClientButActiveClientsAreRefreshedSparingly() {
        AffinityHarness idle = new AffinityHarness(pool(3, affinity(Mode.INSERT, List.of("k"),
                Duration.ofMinutes(20), Duration.ZERO)));
        Client active = idle.client();
        Client sleeper = idle.client();
        String home = active.send().backendId();
        sleeper.send();
        int refreshes = 0;
        // Two hours of one request every 4 minutes: refreshed about every max-idle/4 (5 min), never expired.
        for (int i = 0; i < 30; i++) {
            idle.clock.advance(Duration.ofMinutes(4));
            Exchange e = active.send();
            assertThat(e.outcome()).isEqualTo(AffinityOutcome.HIT);
            assertThat(e.backendId()).isEqualTo(home);
            refreshes += e.setCookies().size();
        }
        assertThat(refreshes).isBetween(14, 16);

        Exchange expired = sleeper.send();
        assertThat(expired.outcome()).isEqualTo(AffinityOutcome.EXPIRED);
        assertThat(expired.setCookies()).as("re-issued").hasSize(1);
        assertThat(sleeper.send().outcome()).isEqualTo(AffinityOutcome.HIT);
    }

    @Test
    void refreshHappensOnlyAfterAQuarterOfMaxIdle() {
        AffinityHarness idle = new AffinityHarness(pool(3, affinity(Mode.INSERT, List.of("k"),
                Duration.ofMinutes(20), Duration.ZERO)));
        Client c = idle.client();
        c.send();
        idle.clock.advance(Duration.ofMinutes(4));
        assertThat(c.send().setCookies()).isEmpty();
        idle.clock.advance(Duration.ofMinutes(1));
        assertThat(c.send().setCookies()).hasSize(1);
        idle.clock.advance(Duration.ofMinutes(4));
        assertThat(c.send().setCookies()).isEmpty();
        idle.clock.advance(Duration.ofMinutes(20).plusSeconds(1));
        assertThat(c.send().outcome()).isEqualTo(AffinityOutcome.EXPIRED);
    }

    @Test
    void maxLifeExpiresEvenAnActiveClient() {
        AffinityHarness life = new AffinityHarness(pool(3, affinity(Mode.INSERT, List.of("k"),
                Duration.ofMinutes(10), Duration.ofHours(1))));
        Client c = life.client();
        c.send();
        for (int i = 0; i < 12; i++) {
            life.clock.advance(Duration.ofMinutes(5));
            assertThat(c.send().outcome()).isEqualTo(AffinityOutcome.HIT);
        }
        life.clock.advance(Duration.ofMinutes(5));
        Exchange e = c.send();
        assertThat(e.outcome()).isEqualTo(AffinityOutcome.EXPIRED);
        assertThat(e.setCookies()).hasSize(1);
        assertThat(c.send().outcome()).isEqualTo(AffinityOutcome.HIT);
    }

    @Test
    void withoutASecretTheKeyIsDerivedFromThePoolNameSoInstancesAgreeAndBackendChangesKeepCookies() {
        var cfg = pool(3, affinity(Mode.INSERT, List.of(), Duration.ZERO, Duration.ZERO));
        Client c = new AffinityHarness(cfg).client();
        String home = c.send().backendId();
        Client same = new AffinityHarness(pool("app", AffinityHarness.backends(4), cfg.affinity(), null, null,
                true)).client();
        same.cookies.putAll(c.cookies);
        Exchange e = same.send();
        assertThat(e.outcome()).isEqualTo(AffinityOutcome.HIT);
        assertThat(e.backendId()).isEqualTo(home);
        Client otherPool = new AffinityHarness(pool("other", AffinityHarness.backends(3), cfg.affinity(), null,
                null, true)).client();
        otherPool.cookies.putAll(c.cookies);
        assertThat(otherPool.send().outcome()).isEqualTo(AffinityOutcome.FORGED);
    }

    @Test
    void anEmptyCookieOfTheSameNameBeforeOursDoesNotBreakAffinity() {
        Client c = h.client();
        String home = c.send().backendId();
        // As a browser sends an LB_ROUTE cleared at a more specific path or another domain ahead of ours.
        c.cookies.put("LB_ROUTE", "; LB_ROUTE=" + c.cookies.get("LB_ROUTE"));
        Exchange e = c.send();
        assertThat(e.outcome()).isEqualTo(AffinityOutcome.HIT);
        assertThat(e.backendId()).isEqualTo(home);
        assertThat(e.setCookies()).isEmpty();
        assertThat(e.forwardedCookie()).isNull();
    }
}
