package io.stickylb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.backend.Backend;
import io.stickylb.config.PoolConfig;
import io.stickylb.config.RetryConfig;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A pooled connection the backend closes just as a request goes out on it (its keep-alive timeout or request limit
 * ran out: nginx's keepalive_requests, Tomcat's maxKeepAliveRequests) is the pool's race, not the backend's failure:
 * an idempotent request is sent again on a fresh connection to the same backend, as HAProxy and nginx do.
 */
class StaleConnectionTest {

    private FakeBackend backend;
    private LoadBalancer lb;

    @AfterEach
    void stop() throws IOException {
        if (lb != null) {
            lb.close(Duration.ofSeconds(1));
        }
        if (backend != null) {
            backend.close();
        }
    }

    /** Answers the first request of each connection; reads the second and closes without a word. */
    private void start(RetryConfig retry) throws IOException {
        Map<Socket, AtomicInteger> served = new ConcurrentHashMap<>();
        backend = new FakeBackend((req, out, s) -> {
            if (served.computeIfAbsent(s, k -> new AtomicInteger()).incrementAndGet() > 1) {
                return false;
            }
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
            return true;
        });
        PoolConfig pool = TestConfigs.pool("round-robin", backend.port()).withRetry(retry);
        lb = new LoadBalancer(TestConfigs.single(pool)).start();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"PUT", "GET", "DELETE"})
    void anIdempotentRequestWithABodyIsResentOnAFreshConnectionEvenWithoutRetries(String method) throws Exception {
        start(new RetryConfig(0, Set.of(), false, 64 * 1024));
        try (RawHttp c = new RawHttp(lb.port())) {
            String request = method + " /r HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello";
            assertThat(c.send(request).read().status()).isEqualTo(200);
            RawHttp.Response second = c.send(request).read();
            assertThat(second.status()).as("the request on the connection the backend closed").isEqualTo(200);
            assertThat(second.body()).isEqualTo("ok");
        }
        assertThat(backend.connections()).isEqualTo(2);
        assertThat(backend.requests()).hasSize(3);
        assertThat(new String(backend.lastRequest().body(), StandardCharsets.ISO_8859_1))
                .as("the body sent again whole").isEqualTo("hello");
        Backend b = lb.upstreams().pool("app").backends().get(0);
        assertThat(b.stats().errorsTotal()).as("the pool's race is no backend error").isZero();
    }
}
