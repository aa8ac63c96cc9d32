package io.stickylb.sample;

import static io.stickylb.sample.testing.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stickylb.sample.testing.RawHttpConnection;
import io.stickylb.sample.testing.RawResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class KeepAliveTest {

    private SampleBackend backend;

    @BeforeEach
    void start() {
        backend = SampleBackend.startNew("b1");
    }

    @AfterEach
    void stop() {
        backend.stop();
    }

    @Test
    void oneConnectionServesManyRequests() throws Exception {
        try (RawHttpConnection c = new RawHttpConnection(backend.port())) {
            String cookie = null;
            for (int i = 1; i <= 20; i++) {
                RawResponse r = c.exchange(cookie == null
                        ? RawHttpConnection.get("/")
                        : RawHttpConnection.get("/", "Cookie: JSESSIONID=" + cookie));
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("connection")).isNull();
                String session = json(r.bodyText()).get("session").asText();
                cookie = session;
                assertThat(json(r.bodyText()).get("sessionRequests").asLong()).isEqualTo(i);
            }
        }
        BackendStats stats = backend.stats();
        assertThat(stats.requests()).isEqualTo(20);
        assertThat(stats.connectionsAccepted()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.stats().connectionsOpen() == 0);
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (RawHttpConnection c = new RawHttpConnection(backend.port())) {
            c.send(RawHttpConnection.get("/slow?ms=100") + RawHttpConnection.get("/status/202")
                    + RawHttpConnection.get("/bytes?n=100000") + RawHttpConnection.get("/stats"));
            assertThat(json(c.read(false).bodyText()).get("sleptMs").asLong()).isEqualTo(100);
            assertThat(c.read(false).status()).isEqualTo(202);
            assertThat(c.read(false).body()).hasSize(100000);
            RawResponse stats = c.read(false);
            assertThat(json(stats.bodyText()).get("requests").asLong()).isEqualTo(4);
        }
        assertThat(backend.stats().connectionsAccepted()).isEqualTo(1);
    }

    @Test
    void connectionCloseIsHonoured() throws Exception {
        try (RawHttpConnection c = new RawHttpConnection(backend.port())) {
            RawResponse r = c.exchange(RawHttpConnection.get("/", "Connection: close"));
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(c.closedByPeerWithin(5_000)).isTrue();
        }
    }

    @Test
    void http10ClosesUnlessKeepAliveIsAsked() throws Exception {
        try (RawHttpConnection c = new RawHttpConnection(backend.port())) {
            c.send("GET / HTTP/1.0\r\n\r\n");
            RawResponse r = c.read(false);
            assertThat(r.status()).isEqualTo(200);
            assertThat(c.closedByPeerWithin(5_000)).isTrue();
        }
        try (RawHttpConnection c = new RawHttpConnection(backend.port())) {
            c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            RawResponse r = c.read(false);
            assertThat(r.header("connection")).isEqualToIgnoringCase("keep-alive");
            c.send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            assertThat(c.read(false).status()).isEqualTo(200);
        }
    }

    @Test
    void stopClosesOpenConnections() throws Exception {
        try (RawHttpConnection c = new RawHttpConnection(backend.port())) {
            assertThat(c.exchange(RawHttpConnection.get("/health")).status()).isEqualTo(200);
            backend.stop();
            assertThat(c.closedByPeerWithin(5_000)).isTrue();
        }
        assertThat(backend.isRunning()).isFalse();
    }
}
