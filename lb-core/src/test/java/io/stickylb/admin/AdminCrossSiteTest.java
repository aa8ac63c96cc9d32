package io.stickylb.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.backend.AdminState;
import io.stickylb.config.AdminConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.net.URI;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The admin against other web sites in the operator's browser: a cross-origin POST (CSRF) is refused and changes
 * nothing, a request for a rebound name (DNS rebinding) is refused while no token is configured; the admin's own
 * page, {@code lb} and curl go on as before, and no CORS header is ever granted.
 */
class AdminCrossSiteTest {

    private static final String MAINTENANCE = "/api/pools/app/backends/b1/maintenance";
    private static final String TOKEN = "s3cret-t0ken";

    private FakeBackend backend;
    private LoadBalancer lb;

    private void start(String token) throws Exception {
        backend = FakeBackend.ok("ok");
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())
                .withAdmin(new AdminConfig(new Endpoint("127.0.0.1", 0), token))).start();
    }

    @AfterEach
    void stop() throws Exception {
        if (lb != null) {
            lb.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private int port() {
        return lb.adminAddress().getPort();
    }

    /** The admin's own origin, as a browser on its dashboard names it. */
    private String self() {
        return "http://127.0.0.1:" + port();
    }

    private AdminState b1() {
        return lb.upstreams().pool("app").backend("b1").orElseThrow().adminState();
    }

    /** A POST to b1's maintenance with the given headers (name, value, ...), as a browser would send it. */
    private AdminClient.Reply post(String token, String... headers) throws Exception {
        AdminClient admin = new AdminClient(lb.adminAddress(), token);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(admin.base() + MAINTENANCE))
                .POST(HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return admin.send(b);
    }

    /** One request with a {@code Host} of our choosing (java.net.http will not set it), on its own connection. */
    private RawHttp.Response raw(String method, String path, String host, String... headers) throws Exception {
        StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
        for (String h : headers) {
            req.append(h).append("\r\n");
        }
        req.append("Content-Length: 0\r\nConnection: close\r\n\r\n");
        try (RawHttp http = new RawHttp(port())) {
            return http.send(req.toString()).read(method.equals("HEAD"));
        }
    }

    @Test
    void aCrossOriginPostIsRefusedAndChangesNothing() throws Exception {
        start(null);
        AdminClient.Reply r = post(null, "Origin", "http://evil.example");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.json().get("error").asText()).contains("cross-origin request refused")
                .contains("Origin 'http://evil.example'");
        assertThat(b1()).isEqualTo(AdminState.ENABLED);
        assertThat(new AdminClient(lb.adminAddress()).get("/api/pools/app").json().get("backends").get(0)
                .get("state").asText()).isEqualTo("UP");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://localhost:%d", "http://127.0.0.1:1", "https://evil.example", "null",
        "http://127.0.0.1:%d.evil.example"})
    void anOriginOtherThanTheListenersOwnIsRefused(String origin) throws Exception {
        start(null);
        assertThat(post(null, "Origin", origin.formatted(port())).status()).isEqualTo(403);
        assertThat(b1()).isEqualTo(AdminState.ENABLED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cross-site", "same-site"})
    void aRequestABrowserMarksAsAnotherSitesIsRefused(String site) throws Exception {
        start(null);
        // Even with this listener's own Origin: the browser's Sec-Fetch-Site is the verdict a page cannot forge.
        AdminClient.Reply r = post(null, "Sec-Fetch-Site", site, "Origin", self());
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.json().get("error").asText()).contains("Sec-Fetch-Site: " + site);
        assertThat(b1()).isEqualTo(AdminState.ENABLED);
    }

    @Test
    void aCrossOriginPutAndAReloadAreRefusedToo() throws Exception {
        start(null);
        AdminClient admin = new AdminClient(lb.adminAddress());
        AdminClient.Reply put = admin.send(HttpRequest.newBuilder(URI.create(admin.base()
                + "/api/pools/app/backends/b1/weight")).header("Origin", "http://evil.example")
                .header("Content-Type", "text/plain").PUT(HttpRequest.BodyPublishers.ofString("{\"weight\":5}")));
        assertThat(put.status()).isEqualTo(403);
        assertThat(lb.upstreams().pool("app").backend("b1").orElseThrow().weight()).isEqualTo(1);
        AdminClient.Reply reload = admin.send(HttpRequest.newBuilder(URI.create(admin.base() + "/api/reload"))
                .header("Sec-Fetch-Site", "cross-site").POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(reload.status()).isEqualTo(403);
    }

    @Test
    void aCrossOriginPostIsRefusedEvenWithTheRightToken() throws Exception {
        start(TOKEN);
        assertThat(post(TOKEN, "Origin", "http://evil.example").status()).isEqualTo(403);
        assertThat(b1()).isEqualTo(AdminState.ENABLED);
    }

    @Test
    void theDashboardsOwnSameOriginPostWorks() throws Exception {
        start(null);
        AdminClient.Reply r = post(null, "Origin", self(), "Sec-Fetch-Site", "same-origin");
        assertThat(r.status()).isEqualTo(200);
        assertThat(b1()).isEqualTo(AdminState.MAINTENANCE);
        // Without Sec-Fetch-Site (older browsers), the Origin alone is compared with Host.
        assertThat(new AdminClient(lb.adminAddress()).post("/api/pools/app/backends/b1/enable").status())
                .isEqualTo(200);
        assertThat(post(null, "Origin", self()).status()).isEqualTo(200);
        assertThat(b1()).isEqualTo(AdminState.MAINTENANCE);
    }

    @Test
    void aSameOriginPostThroughALocalhostNameOrADefaultPortWorks() throws Exception {
        start(null);
        RawHttp.Response r = raw("POST", MAINTENANCE, "localhost:" + port(), "Origin: http://LOCALHOST:" + port());
        assertThat(r.status()).isEqualTo(200);
        assertThat(raw("POST", "/api/pools/app/backends/b1/enable", "localhost", "Origin: http://localhost:80")
                .status()).isEqualTo(200);
        assertThat(b1()).isEqualTo(AdminState.ENABLED);
    }

    @Test
    void aPostWithoutOriginWorksAsTheCliSendsIt() throws Exception {
        start(null);
        assertThat(post(null).status()).isEqualTo(200);
        assertThat(b1()).isEqualTo(AdminState.MAINTENANCE);
    }

    @Test
    void aCrossOriginGetStillReads() throws Exception {
        start(null);
        // Reading is what CORS already guards: without an Access-Control-Allow-Origin the page cannot see the answer.
        AdminClient.Reply r = new AdminClient(lb.adminAddress()).send(HttpRequest.newBuilder(URI.create(
                self() + "/api/pools")).header("Origin", "http://evil.example").header("Sec-Fetch-Site", "cross-site"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.raw().headers().map().keySet()).noneMatch(h -> h.toLowerCase().startsWith("access-control-"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/pools", "/", "/dashboard/dashboard.js", "/metrics", "/api/nope"})
    void withoutATokenARequestForAnotherHostNameIsRefused(String path) throws Exception {
        start(null);
        RawHttp.Response r = raw("GET", path, "evil.example:" + port());
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.body()).contains("Host 'evil.example:" + port() + "' is not this admin listener")
                .contains("set admin.token").doesNotContain("\"pools\"");
    }

    @Test
    void withoutATokenARebindingPostIsRefusedAndChangesNothing() throws Exception {
        start(null);
        // The rebound page is "same origin" with itself: only the Host check stops it.
        RawHttp.Response r = raw("POST", MAINTENANCE, "evil.example:" + port(),
                "Origin: http://evil.example:" + port(), "Sec-Fetch-Site: same-origin");
        assertThat(r.status()).isEqualTo(403);
        assertThat(b1()).isEqualTo(AdminState.ENABLED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost:%d", "LocalHost", "127.0.0.1:%d", "127.0.0.1", "127.1.2.3:%d", "[::1]:%d",
        "[::1]", "[0::1]:%d", "[::ffff:127.0.0.1]:%d"})
    void withoutATokenLoopbackHostNamesAreServed(String host) throws Exception {
        start(null);
        assertThat(raw("GET", "/api/pools", host.formatted(port())).status()).isEqualTo(200);
        assertThat(raw("GET", "/", host.formatted(port())).status()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1.evil.example", "localhost.evil.example:%d", "[::2]:%d", "0.0.0.0:%d",
        "evil.example", "[::1"})
    void withoutATokenLookalikeHostsAreRefused(String host) throws Exception {
        start(null);
        assertThat(raw("GET", "/api/pools", host.formatted(port())).status()).isEqualTo(403);
    }

    @Test
    void withATokenTheHostIsNotCheckedButTheTokenStillIs() throws Exception {
        start(TOKEN);
        String evil = "evil.example:" + port();
        assertThat(raw("GET", "/api/pools", evil).status()).isEqualTo(401);
        assertThat(raw("GET", "/api/pools", evil, "Authorization: Bearer " + TOKEN).status()).isEqualTo(200);
        assertThat(raw("GET", "/", evil).status()).isEqualTo(200);
    }

    @Test
    void aPreflightIsNeverGrantedCors() throws Exception {
        start(null);
        RawHttp.Response r = raw("OPTIONS", MAINTENANCE, "127.0.0.1:" + port(), "Origin: http://evil.example",
                "Access-Control-Request-Method: POST", "Access-Control-Request-Headers: authorization");
        assertThat(r.status()).isNotEqualTo(200).isNotEqualTo(204);
        assertThat(r.headers().keySet()).noneMatch(h -> h.startsWith("access-control-"));
        assertThat(b1()).isEqualTo(AdminState.ENABLED);
    }
}
