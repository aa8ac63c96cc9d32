package io.stickylb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.config.ConfigLoader;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.PathsConfig;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A route and the backend behind it must read a path the same way: a request the router would send to the {@code /api}
 * pool must not be one the backend serves as {@code /admin}, and the reverse. Raw sockets, since HTTP clients
 * normalise paths themselves before they send them.
 */
class PathNormalizationTest {

    private FakeBackend api;
    private FakeBackend web;
    private LoadBalancer lb;

    @BeforeEach
    void backends() throws IOException {
        api = FakeBackend.ok("api");
        web = FakeBackend.ok("web");
    }

    @AfterEach
    void stop() throws IOException {
        if (lb != null) {
            lb.close();
        }
        api.close();
        web.close();
    }

    private LoadBalancerConfig config(String paths) throws Exception {
        String yaml = """
                listen: 127.0.0.1:0
                workers: 1
                access-log: off
                %s
                pools:
                  api: { backends: [ { id: a1, address: "127.0.0.1:%d" } ] }
                  web: { backends: [ { id: w1, address: "127.0.0.1:%d" } ] }
                routes:
                  - { path-prefix: /api, pool: api }
                  - { path-prefix: /, pool: web }
                """.formatted(paths, api.port(), web.port());
        return ConfigLoader.parse(yaml, "paths.yaml", Map.of());
    }

    private String send(String target) throws IOException {
        try (RawHttp c = new RawHttp(lb.port())) {
            RawHttp.Response r = c.send("GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n").read();
            assertThat(r.status()).as(target).isEqualTo(200);
            return r.body();
        }
    }

    @Test
    void pathsAreRoutedAndForwardedAsTheBackendWillReadThem() throws Exception {
        LoadBalancerConfig config = config("");
        assertThat(config.paths()).isEqualTo(PathsConfig.DEFAULTS);
        lb = new LoadBalancer(config).start();

        assertThat(send("/api/../admin/users")).isEqualTo("web");
        assertThat(web.lastRequest().requestLine()).isEqualTo("GET /admin/users HTTP/1.1");
        assertThat(send("/api/..;/admin")).isEqualTo("web");
        assertThat(web.lastRequest().requestLine()).isEqualTo("GET /admin HTTP/1.1");

        assertThat(send("/%61pi/orders?id=%61")).isEqualTo("api");
        assertThat(api.lastRequest().requestLine()).isEqualTo("GET /api/orders?id=%61 HTTP/1.1");
        assertThat(send("/static/%2e%2e/api/x")).isEqualTo("api");
        assertThat(api.lastRequest().requestLine()).isEqualTo("GET /api/x HTTP/1.1");
        assertThat(send("http://h/a/./b/../../api")).isEqualTo("api");
        assertThat(api.lastRequest().requestLine()).isEqualTo("GET /api HTTP/1.1");

        // An ordinary request line goes out byte for byte, session path parameters included.
        assertThat(send("/api/cart;jsessionid=A1?x=1")).isEqualTo("api");
        assertThat(api.lastRequest().requestLine()).isEqualTo("GET /api/cart;jsessionid=A1?x=1 HTTP/1.1");
        // Runs of slashes are folded too (Tomcat reads //api//x as /api/x).
        assertThat(send("//api//x")).isEqualTo("api");
        assertThat(api.lastRequest().requestLine()).isEqualTo("GET /api/x HTTP/1.1");
    }

    @Test
    void mergeSlashesOffKeepsThem() throws Exception {
        lb = new LoadBalancer(config("paths: { merge-slashes: false }")).start();
        assertThat(send("//api//x")).isEqualTo("web");
        assertThat(web.lastRequest().requestLine()).isEqualTo("GET //api//x HTTP/1.1");
        assertThat(send("/api/./x")).isEqualTo("api");
        assertThat(api.lastRequest().requestLine()).isEqualTo("GET /api/x HTTP/1.1");
    }

    @Test
    void normalizeOffRoutesAndForwardsPathsAsTheyCame() throws Exception {
        LoadBalancerConfig config = config("paths: { normalize: false }");
        lb = new LoadBalancer(config).start();
        assertThat(send("/api/../admin")).isEqualTo("api");
        assertThat(api.lastRequest().requestLine()).isEqualTo("GET /api/../admin HTTP/1.1");

        // A reload turns it on for the next request.
        lb.reload(config.withPaths(PathsConfig.DEFAULTS));
        assertThat(send("/api/../admin")).isEqualTo("web");
        assertThat(web.lastRequest().requestLine()).isEqualTo("GET /admin HTTP/1.1");
    }
}
