package io.stickylb.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.config.LimitsConfig;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A request body that stops arriving (a slow-POST attack, or a client that died mid-upload) ends at the idle timeout
 * with 408, and its backend connection is closed, so it cannot hold a backend thread for ever. Only silence while
 * the proxy waits for body bytes counts: a slow but steady body, or one held back because the backend reads slowly,
 * is never cut off.
 */
class BodyTimeoutTest {

    private static final Duration IDLE = Duration.ofMillis(800);

    private LoadBalancer lb;
    private ServerSocket rawBackend;
    private FakeBackend backend;

    @AfterEach
    void stop() throws IOException {
        if (lb != null) {
            lb.close(Duration.ofSeconds(1));
        }
        if (rawBackend != null) {
            rawBackend.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private void start(int backendPort) {
        LimitsConfig limits = new LimitsConfig(8192, 16384, 100, 0, Duration.ofSeconds(5), IDLE, 100, 1024);
        lb = new LoadBalancer(TestConfigs.roundRobin(backendPort).withLimits(limits)).start();
    }

    /**
     * Starts the proxy in front of a raw backend that never answers: it reads what the proxy forwards until the proxy
     * closes the connection, and completes with the bytes it got.
     */
    private CompletableFuture<String> startBehindASilentBackend() throws IOException {
        rawBackend = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        CompletableFuture<String> forwarded = CompletableFuture.supplyAsync(() -> {
            try (Socket s = rawBackend.accept()) {
                return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
                return "failed: " + e;
            }
        });
        start(rawBackend.getLocalPort());
        return forwarded;
    }

    @Test
    void aBodyThatStopsArrivingGets408AndItsBackendConnectionIsClosed() throws Exception {
        CompletableFuture<String> forwarded = startBehindASilentBackend();
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n" + "x".repeat(10));
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(408);
            assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
            assertThat(c.closedByPeer()).isTrue();
        }
        assertThat(forwarded.get(10, TimeUnit.SECONDS)).as("the backend saw part of a request, then a close")
                .startsWith("POST /upload HTTP/1.1").endsWith("x".repeat(10));
    }

    @Test
    void aClientHoldingItsBodyForA100ThatNeverComesIsNotBlamed() throws Exception {
        // The backend takes the request head and then says nothing: neither 100 Continue nor a final answer.
        CompletableFuture<String> forwarded = startBehindASilentBackend();
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("POST /upload HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
            RawHttp.Response r = c.read();
            // RFC 9110 §10.1.1: the client may wait for the 100 before it sends; the silence is the backend's.
            assertThat(r.status()).isEqualTo(504);
        }
        assertThat(forwarded.get(10, TimeUnit.SECONDS)).startsWith("POST /upload HTTP/1.1");
        assertThat(lb.upstreams().allBackends().get(0).stats().errors(io.stickylb.metrics.ErrorKind.TIMEOUT))
                .isEqualTo(1);
    }

    @Test
    void aSlowButSteadyBodyIsNotCutOff() throws Exception {
        backend = FakeBackend.ok("stored");
        start(backend.port());
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n");
            // Twenty pieces over about 3.3 idle timeouts; each gap leaves most of a timeout for a slow host.
            for (int i = 0; i < 20; i++) {
                Thread.sleep(IDLE.toMillis() / 6);
                c.send("y".repeat(5));
            }
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("stored");
        }
        assertThat(backend.lastRequest().bodyLength()).isEqualTo(100);
    }

    @Test
    void aBodyHeldBackByABackendThatReadsSlowlyIsNotTheClientsFault() throws Exception {
        int size = 48 << 20; // well beyond every socket buffer on the way, so the proxy must stop reading the client
        rawBackend = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> {
            try (Socket s = rawBackend.accept()) {
                Thread.sleep(3 * IDLE.toMillis()); // not reading: the body backs up to the client
                InputStream in = s.getInputStream();
                long got = 0;
                if (skipHead(in)) {
                    byte[] buf = new byte[64 * 1024];
                    for (int n; got < size && (n = in.read(buf)) >= 0; ) {
                        got += n;
                    }
                }
                s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                        .getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
                Thread.sleep(200); // let the answer leave before the close
                return got;
            } catch (IOException | InterruptedException e) {
                return -1L;
            }
        });
        start(rawBackend.getLocalPort());
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: " + size + "\r\n\r\n");
            byte[] chunk = new byte[64 * 1024];
            for (int sent = 0; sent < size; sent += chunk.length) {
                c.output().write(chunk);
            }
            c.output().flush();
            RawHttp.Response r = c.read();
            assertThat(r.status()).as("answered by the backend, not 408").isEqualTo(200);
        }
        assertThat(received.get(30, TimeUnit.SECONDS)).isEqualTo((long) size);
    }

    /** Reads up to the end of the request head; false when the stream ended first. */
    private static boolean skipHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            byte[] h = head.toByteArray();
            int n = h.length;
            if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                return true;
            }
        }
        return false;
    }
}
