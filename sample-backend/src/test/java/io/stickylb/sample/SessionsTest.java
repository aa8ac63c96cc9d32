package io.stickylb.sample;

import static io.stickylb.sample.testing.TestHttp.get;
import static io.stickylb.sample.testing.TestHttp.json;
import static io.stickylb.sample.testing.TestHttp.sessionCookie;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SessionsTest {

    private SampleBackend backend;

    @AfterEach
    void stop() {
        if (backend != null) {
            backend.stop();
        }
    }

    private String start(SampleBackendOptions options) {
        backend = new SampleBackend(options);
        backend.start();
        return backend.baseUrl();
    }

    @Test
    void firstVisitCreatesSessionAndLaterVisitsReuseIt() {
        String url = start(SampleBackendOptions.of("b1"));

        HttpResponse<String> first = get(url + "/");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(first.headers().firstValue("x-backend-id")).hasValue("b1");
        assertThat(first.headers().firstValue("x-session-new")).hasValue("true");
        assertThat(first.headers().firstValue("set-cookie")).get().asString()
                .matches("JSESSIONID=[0-9A-F]{32}; Path=/; HttpOnly");
        String id = sessionCookie(first);
        JsonNode body = json(first);
        assertThat(body.get("backend").asText()).isEqualTo("b1");
        assertThat(body.get("session").asText()).isEqualTo(id);
        assertThat(body.get("sessionNew").asBoolean()).isTrue();
        assertThat(body.get("sessionRequests").asLong()).isEqualTo(1);
        assertThat(body.get("sessionLost").asBoolean()).isFalse();
        assertThat(body.get("store").asText()).isEqualTo("memory");

        for (int n = 2; n <= 4; n++) {
            HttpResponse<String> again = get(url + "/cart", "Cookie", "JSESSIONID=" + id);
            JsonNode j = json(again);
            assertThat(again.headers().firstValue("x-session-new")).hasValue("false");
            assertThat(again.headers().allValues("set-cookie")).isEmpty();
            assertThat(j.get("session").asText()).isEqualTo(id);
            assertThat(j.get("sessionNew").asBoolean()).isFalse();
            assertThat(j.get("sessionRequests").asLong()).isEqualTo(n);
            assertThat(j.get("path").asText()).isEqualTo("/cart");
        }
        assertThat(backend.stats().sessionsCreated()).isEqualTo(1);
        assertThat(backend.stats().activeSessions()).isEqualTo(1);
        assertThat(backend.stats().sessionsLost()).isZero();
    }

    @Test
    void sessionIdsAreUnguessableAndDistinct() {
        String url = start(SampleBackendOptions.of("b1"));
        String a = sessionCookie(get(url + "/"));
        String b = sessionCookie(get(url + "/"));
        assertThat(a).isNotEqualTo(b).hasSize(32);
    }

    @Test
    void unknownSessionIdCountsAsLostAndShowsInStats() {
        String url = start(SampleBackendOptions.of("b1"));

        HttpResponse<String> r = get(url + "/", "Cookie", "other=1; JSESSIONID=DEADBEEFDEADBEEFDEADBEEFDEADBEEF");
        JsonNode body = json(r);
        assertThat(body.get("sessionLost").asBoolean()).isTrue();
        assertThat(body.get("sessionNew").asBoolean()).isTrue();
        assertThat(body.get("sessionRequests").asLong()).isEqualTo(1);
        String fresh = sessionCookie(r);
        assertThat(fresh).isNotEqualTo("DEADBEEFDEADBEEFDEADBEEFDEADBEEF");
        assertThat(body.get("session").asText()).isEqualTo(fresh);

        JsonNode stats = json(get(url + "/stats"));
        assertThat(stats.get("backend").asText()).isEqualTo("b1");
        assertThat(stats.get("sessionsLost").asLong()).isEqualTo(1);
        assertThat(stats.get("sessionsCreated").asLong()).isEqualTo(1);
        assertThat(stats.get("activeSessions").asLong()).isEqualTo(1);
        assertThat(stats.get("requests").asLong()).isEqualTo(2);
        assertThat(stats.get("connectionsAccepted").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(backend.stats().sessionsLost()).isEqualTo(1);
    }

    @Test
    void jvmRouteIsAppendedAndStrippedForLookup() {
        String url = start(SampleBackendOptions.builder("b1").jvmRoute("r1").build());

        HttpResponse<String> first = get(url + "/");
        String cookie = sessionCookie(first);
        assertThat(cookie).matches("[0-9A-F]{32}\\.r1");
        assertThat(json(first).get("session").asText()).isEqualTo(cookie);

        JsonNode again = json(get(url + "/", "Cookie", "JSESSIONID=" + cookie));
        assertThat(again.get("sessionNew").asBoolean()).isFalse();
        assertThat(again.get("sessionRequests").asLong()).isEqualTo(2);
        assertThat(again.get("session").asText()).isEqualTo(cookie);

        // Another backend's session: unknown here whatever its route says.
        HttpResponse<String> foreign = get(url + "/", "Cookie", "JSESSIONID=0123456789ABCDEF0123456789ABCDEF.r2");
        assertThat(json(foreign).get("sessionLost").asBoolean()).isTrue();
        assertThat(sessionCookie(foreign)).endsWith(".r1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "a,b", "a\"b", "a\\b", "r\u00e9", "a.b", "a;b", " "})
    void jvmRouteThatCannotGoInACookieValueIsRefused(String route) {
        assertThatThrownBy(() -> SampleBackendOptions.builder("b1").jvmRoute(route).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: letters, digits, '_' or '-'");
    }

    @Test
    void sessionIdInPathParameterIsAccepted() {
        String url = start(SampleBackendOptions.builder("b1").jvmRoute("r1").build());
        String cookie = sessionCookie(get(url + "/"));

        HttpResponse<String> rewritten = get(url + "/shop;jsessionid=" + cookie + "?item=3");
        JsonNode body = json(rewritten);
        assertThat(body.get("sessionNew").asBoolean()).isFalse();
        assertThat(body.get("sessionRequests").asLong()).isEqualTo(2);
        assertThat(body.get("path").asText()).isEqualTo("/shop;jsessionid=" + cookie);
        assertThat(body.get("uri").asText()).isEqualTo("/shop;jsessionid=" + cookie + "?item=3");

        JsonNode slow = json(get(url + "/slow;jsessionid=" + cookie + "?ms=1"));
        assertThat(slow.get("sessionRequests").asLong()).isEqualTo(3);
        assertThat(slow.get("sleptMs").asLong()).isEqualTo(1);

        JsonNode lost = json(get(url + "/x;jsessionid=NOPE.r1"));
        assertThat(lost.get("sessionLost").asBoolean()).isTrue();
    }

    @Test
    void sessionsExpireAfterTheirTimeToLive() throws InterruptedException {
        String url = start(SampleBackendOptions.builder("b1").sessionTtl(Duration.ofMillis(200)).build());
        String cookie = sessionCookie(get(url + "/"));
        Thread.sleep(400);
        JsonNode body = json(get(url + "/", "Cookie", "JSESSIONID=" + cookie));
        assertThat(body.get("sessionLost").asBoolean()).isTrue();
    }

    @Test
    void requestHeadersAreEchoedLowerCasedAndJoined() {
        String url = start(SampleBackendOptions.of("b1"));
        JsonNode body = json(get(url + "/h?q=1", "X-Forwarded-For", "10.0.0.1", "X-Forwarded-For", "10.0.0.2",
                "X-Custom", "v"));
        assertThat(body.get("method").asText()).isEqualTo("GET");
        assertThat(body.get("path").asText()).isEqualTo("/h");
        JsonNode headers = body.get("headers");
        assertThat(headers.get("x-forwarded-for").asText()).isEqualTo("10.0.0.1, 10.0.0.2");
        assertThat(headers.get("x-custom").asText()).isEqualTo("v");
        assertThat(headers.get("host").asText()).isEqualTo("127.0.0.1:" + backend.port());
    }
}
