package io.stickylb.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stickylb.backend.Backend;
import io.stickylb.metrics.ErrorKind;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client that stops reading a large response: stickylb stops reading the backend (backpressure), and once the
 * backend connection has been idle for the pool's idle timeout, both connections are closed. The stall is the
 * client's, so the backend is not charged with a truncated response (which its error counts and the dashboard show).
 */
class SlowReaderTest {

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

    @Test
    void aClientThatStopsReadingIsClosedAndTheBackendIsNotBlamed() throws Exception {
        int size = 48 << 20; // beyond every socket buffer on the way
        byte[] chunk = new byte[64 * 1024];
        java.util.concurrent.CountDownLatch cutOff = new java.util.concurrent.CountDownLatch(1);
        backend = new FakeBackend((req, out, s) -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            try {
                for (int sent = 0; sent < size; sent += chunk.length) {
                    out.write(chunk);
                }
            } catch (IOException closedByTheProxy) {
                cutOff.countDown();
                return false;
            }
            return true;
        });
        lb = new LoadBalancer(TestConfigs.single(TestConfigs.withTimeouts(
                TestConfigs.pool("round-robin", backend.port()), Duration.ofSeconds(1), Duration.ofSeconds(5),
                Duration.ofSeconds(1)))).start();
        try (RawHttp c = new RawHttp(lb.port())) {
            c.socket().setReceiveBufferSize(64 * 1024);
            c.send("GET /big HTTP/1.1\r\nHost: h\r\n\r\n");
            // Never read: the response backs up to the backend, whose connection then idles until the proxy cuts it.
            assertThat(cutOff.await(20, java.util.concurrent.TimeUnit.SECONDS)).as("backend connection closed")
                    .isTrue();
            Backend b = lb.upstreams().allBackends().get(0);
            await().atMost(Duration.ofSeconds(5)).until(() -> b.inFlight() == 0);
            assertThat(b.stats().errors(ErrorKind.TRUNCATED)).as("charged to the backend").isZero();
            c.socket().setSoTimeout(20_000);
            long read = c.socket().getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            assertThat(read).as("the client connection was closed before the whole response").isLessThan(size);
        }
    }
}
