package io.stickylb.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.config.AdminConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The optional bearer token: refused without it or with a wrong one, accepted with the right one. */
class AdminAuthTest {

    private static final String TOKEN = "s3cret-t0ken";

    private FakeBackend backend;
    private LoadBalancer lb;

    @BeforeEach
    void start() throws IOException {
        backend = FakeBackend.ok("ok");
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())
                .withAdmin(new AdminConfig(new Endpoint("127.0.0.1", 0), TOKEN))).start();
    }

    @AfterEach
    void stop() throws IOException {
        lb.close();
        backend.close();
    }

    private AdminClient.Reply getWithAuthorization(String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(new AdminClient(lb.adminAddress()).base() + path));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return new AdminClient(lb.adminAddress()).send(b);
    }

    @Test
    void noTokenIs401WithABearerChallenge() throws Exception {
        AdminClient.Reply r = new AdminClient(lb.adminAddress()).get("/api/pools");
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.header("WWW-Authenticate")).startsWith("Bearer");
        assertThat(r.json().get("error").asText()).contains("missing admin token");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer wrong", "Bearer s3cret-t0ke", "Bearer s3cret-t0kenX", "Bearer ",
        "Basic czNjcmV0LXQwa2Vu", "s3cret-t0ken", "Bearer S3CRET-T0KEN"})
    void aWrongTokenIs401(String authorization) throws Exception {
        AdminClient.Reply r = getWithAuthorization("/api/pools", authorization);
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.header("WWW-Authenticate")).startsWith("Bearer");
    }

    @Test
    void theRightTokenIsAccepted() throws Exception {
        assertThat(new AdminClient(lb.adminAddress(), TOKEN).get("/api/pools").status()).isEqualTo(200);
        assertThat(getWithAuthorization("/api/pools", "bearer " + TOKEN).status()).isEqualTo(200);
    }

    @Test
    void unknownPathsDoNotAnswerBeforeTheTokenIsChecked() throws Exception {
        assertThat(new AdminClient(lb.adminAddress()).get("/api/nope").status()).isEqualTo(401);
        assertThat(new AdminClient(lb.adminAddress(), TOKEN).get("/api/nope").status()).isEqualTo(404);
    }

    @Test
    void changesWithoutTheTokenChangeNothing() throws Exception {
        AdminClient.Reply r = new AdminClient(lb.adminAddress(), "guess")
                .post("/api/pools/app/backends/b1/maintenance");
        assertThat(r.status()).isEqualTo(401);
        assertThat(lb.upstreams().pool("app").backend("b1").orElseThrow().adminState().name()).isEqualTo("ENABLED");
    }

    @Test
    void everyPresentedTokenGoesThroughTheConstantTimeComparison() {
        List<String> compared = new ArrayList<>();
        BearerAuth auth = new BearerAuth(TOKEN, (presented, expected) -> {
            compared.add(new String(presented, StandardCharsets.UTF_8) + "|"
                    + new String(expected, StandardCharsets.UTF_8));
            return java.security.MessageDigest.isEqual(presented, expected);
        });
        assertThat(auth.allows("Bearer " + TOKEN)).isTrue();
        assertThat(auth.allows("Bearer s3cret-t0keX")).isFalse();
        assertThat(auth.allows("Bearer s")).isFalse();
        assertThat(auth.allows("Bearer ünïcode")).isFalse();
        // Same-length, shorter and non-ASCII tokens alike are compared as bytes,
        // never short-circuited by String.equals.
        assertThat(compared).containsExactly(TOKEN + "|" + TOKEN, "s3cret-t0keX|" + TOKEN, "s|" + TOKEN,
                "ünïcode|" + TOKEN);
    }

    @Test
    void theDefaultComparisonAcceptsOnlyTheExactToken() {
        BearerAuth auth = new BearerAuth(TOKEN);
        assertThat(auth.required()).isTrue();
        assertThat(auth.allows("Bearer " + TOKEN)).isTrue();
        assertThat(auth.allows("Bearer  " + TOKEN + " ")).isTrue();
        assertThat(auth.allows("Bearer " + TOKEN.substring(1))).isFalse();
        assertThat(auth.allows(null)).isFalse();
        assertThat(new BearerAuth(null).allows(null)).isTrue();
    }
}
