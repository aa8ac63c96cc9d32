package io.stickylb.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.config.AdminConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.TestConfigs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's page and assets over HTTP: served from the jar without the token (they hold no data), with a
 * policy that forbids framing and foreign scripts, while the API behind them still requires the token.
 */
class DashboardTest {

    private FakeBackend backend;
    private LoadBalancer lb;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

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

    private HttpResponse<String> send(String method, String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + lb.adminAddress().getPort() + path);
        return http.send(HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void thePageAndItsAssetsAreServedWithoutTheTokenButTheApiIsNot() throws Exception {
        start("s3cret");

        HttpResponse<String> page = send("GET", "/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.body()).contains("data-token-required=\"true\"").contains("dashboard/dashboard.js")
                .doesNotContain("{{").doesNotContain("s3cret").doesNotContain("http://").doesNotContain("https://");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("script-src 'self'").contains("frame-ancestors 'none'");
        assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");

        HttpResponse<String> js = send("GET", "/dashboard/dashboard.js");
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(js.body()).contains("api/pools").contains("Authorization");
        HttpResponse<String> css = send("GET", "/dashboard/dashboard.css");
        assertThat(css.statusCode()).isEqualTo(200);
        assertThat(css.headers().firstValue("Content-Type")).hasValue("text/css; charset=utf-8");
        // Self-contained: no font, script or style from anywhere else.
        // (The SVG namespace is a name, not a fetch.)
        assertThat(js.body().replace("'http://www.w3.org/2000/svg'", "") + css.body()).doesNotContain("http://")
                .doesNotContain("https://").doesNotContain("@import").doesNotContain("url(");

        assertThat(send("GET", "/dashboard/nope.js").statusCode()).isEqualTo(404);
        assertThat(send("GET", "/dashboard/..%2Findex.html").statusCode()).isEqualTo(404);
        // Everything else still needs the token, even other methods on the page's path.
        assertThat(send("GET", "/api/pools").statusCode()).isEqualTo(401);
        assertThat(send("POST", "/").statusCode()).isEqualTo(401);
        assertThat(send("GET", "/metrics").statusCode()).isEqualTo(401);
    }

    @Test
    void withoutATokenThePageSaysSo() throws Exception {
        start(null);
        assertThat(send("GET", "/").body()).contains("data-token-required=\"false\"");
        assertThat(send("POST", "/").statusCode()).isEqualTo(405);
    }
}
