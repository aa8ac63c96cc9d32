package io.stickylb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.config.ConfigLoader;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.config.RouteConfig;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Responses are relayed from the backend's bytes: heads nobody changes arrive exactly as sent, chunked bodies keep
 * their framing (extensions and trailers included) for HTTP/1.1 clients and lose it for HTTP/1.0 ones, and a body
 * that breaks its framing ends the client connection rather than looking complete.
 */
class ResponseRelayTest {

    private static final String CHUNKED_BODY = "5;ext=v\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: 42\r\n\r\n";

    private FakeBackend backend;
    private LoadBalancer lb;

    @AfterEach
    void stop() throws IOException {
        if (lb != null) {
            lb.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private void start(String rawResponse) throws IOException {
        backend = new FakeBackend((req, out, s) -> {
            out.write(rawResponse.getBytes(StandardCharsets.ISO_8859_1));
            return true;
        });
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
    }

    /** Reads exactly {@code n} bytes, or fewer if the connection ends first. */
    private static String readBytes(InputStream in, int n) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            b.write(c);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aHeadNobodyChangesArrivesByteForByte() throws Exception {
        String response = "HTTP/1.1 203 Quite Fine\r\nx-MiXeD-case:   spaced value\r\nContent-Length: 2\r\n"
                + "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nok";
        start(response);
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
            String got = readBytes(c.socket().getInputStream(), response.length());
            // OWS after the colon is normalised only when the head is rebuilt; untouched, it is the backend's.
            assertThat(got).isEqualTo(response);
        }
    }

    @Test
    void chunkedBodiesKeepTheirFramingTrailersIncludedAndTheBackendConnectionIsReused() throws Exception {
        String head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        start(head + CHUNKED_BODY);
        try (RawHttp c = new RawHttp(lb.port())) {
            for (int i = 0; i < 3; i++) {
                c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
                String got = readBytes(c.socket().getInputStream(), head.length() + CHUNKED_BODY.length());
                assertThat(got).isEqualTo(head + CHUNKED_BODY);
            }
        }
        assertThat(backend.requests()).hasSize(3);
        assertThat(backend.connections()).isEqualTo(1);
    }

    @Test
    void http10ClientsGetChunkedBodiesAsPlainBytesEndedByClose() throws Exception {
        start("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + CHUNKED_BODY);
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("GET / HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\n\r\n");
            String got = new String(c.socket().getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(got).startsWith("HTTP/1.1 200 OK\r\n").containsIgnoringCase("\r\nConnection: close\r\n")
                    .doesNotContainIgnoringCase("transfer-encoding").endsWith("\r\n\r\nhello world");
        }
    }

    @Test
    void brokenChunkFramingMidBodyClosesTheClientConnection() throws Exception {
        start("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nnot-hex\r\n");
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
            String got = new String(c.socket().getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            // The client sees a chunked body without its last chunk, then the close: never a complete response.
            assertThat(got).startsWith("HTTP/1.1 200 OK\r\n").doesNotContain("0\r\n\r\n");
        }
    }

    @Test
    void aHeadRequestThatNoRouteMatchesGets404WithoutABody() throws Exception {
        backend = FakeBackend.ok("ok");
        PoolConfig pool = TestConfigs.pool("round-robin", backend.port());
        LoadBalancerConfig base = TestConfigs.single(pool);
        lb = new LoadBalancer(new LoadBalancerConfig(null, base.listen(), 1, Map.of("app", pool),
                List.of(new RouteConfig("only.example", "/", "app")), null, null, base.accessLog(), null,
                null)).start();
        try (RawHttp c = new RawHttp(lb.port())) {
            RawHttp.Response r = c.send("HEAD / HTTP/1.1\r\nHost: other.example\r\n\r\n").read(true);
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.header("Content-Length")).isNotEqualTo("0");
            // Had a body followed, it would be read as the next response's status line.
            assertThat(c.send("HEAD / HTTP/1.1\r\nHost: other.example\r\n\r\n").read(true).status()).isEqualTo(404);
        }
    }

    @Test
    void aHeadWhoseSmallBodyIsLateIsNotHeldBackWaitingForIt() throws Exception {
        java.util.concurrent.CountDownLatch headSeen = new java.util.concurrent.CountDownLatch(1);
        backend = new FakeBackend((req, out, s) -> {
            out.write("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 4\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            try {
                // The body only follows once the client has seen the head: a held-back head would deadlock here.
                if (!headSeen.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    return false;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            out.write("late".getBytes(StandardCharsets.ISO_8859_1));
            return true;
        });
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
            String head = readBytes(c.socket().getInputStream(),
                    "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n".length());
            assertThat(head).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n");
            headSeen.countDown();
            assertThat(readBytes(c.socket().getInputStream(), 4)).isEqualTo("late");
        }
    }

    @Test
    void http10ClientsGetNoInterimResponsesAndNoChunkedCodingEvenOnHead() throws Exception {
        backend = new FakeBackend((req, out, s) -> {
            String response = req.requestLine().startsWith("HEAD")
                    ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    : "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
            out.write(response.getBytes(StandardCharsets.ISO_8859_1));
            return true;
        });
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
        try (RawHttp c = new RawHttp(lb.port())) {
            RawHttp.Response r = c.send("POST / HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\n"
                    + "Content-Length: 1\r\n\r\nx").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("ok");
            RawHttp.Response head = c.send("HEAD / HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\n\r\n")
                    .read(true);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Transfer-Encoding")).isNull();
        }
    }

    private void startClosing(String rawResponse) throws IOException {
        backend = new FakeBackend((req, out, s) -> {
            out.write(rawResponse.getBytes(StandardCharsets.ISO_8859_1));
            return false;
        });
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
    }

    /**
     * A coding other than chunked with no final chunked is framed by the close (RFC 9112 §6.3). Re-framed as chunked
     * under a {@code Transfer-Encoding: chunked} that replaced {@code gzip}, the gzip bytes passed for the content.
     */
    @Test
    void aBodyInAnotherTransferCodingReachesAnHttp11ClientWithThatCodingNamedAndEndsAtTheClose() throws Exception {
        startClosing("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nGZIP-BYTES");
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
            InputStream in = c.socket().getInputStream();
            String head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n";
            assertThat(readBytes(in, head.length())).isEqualToIgnoringCase(head);
            // The client asked to keep its connection: the close is what ends the body.
            assertThat(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1)).isEqualTo("GZIP-BYTES");
        }
    }

    /**
     * An HTTP/1.0 client must not be sent Transfer-Encoding (RFC 9112 §6.1), and without it a coding stickylb does not
     * decode (or chunked applied twice, RFC 9112 §6.1) would pass for the content: 502, as nginx answers any coding
     * but chunked.
     */
    @Test
    void anHttp10ClientGets502ForABodyInATransferCodingOtherThanChunked() throws Exception {
        backend = new FakeBackend((req, out, s) -> {
            String line = req.requestLine();
            String response = line.contains("/close") ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nGZIP-BYTES"
                    : "HTTP/1.1 200 OK\r\nTransfer-Encoding: " + (line.contains("/gzip") ? "gzip" : "chunked")
                    + ", chunked\r\n\r\n3\r\nGZ!\r\n0\r\n\r\n";
            out.write(response.getBytes(StandardCharsets.ISO_8859_1));
            return !line.contains("/close");
        });
        // The backend was asked in HTTP/1.1 and answered well: the mismatch is no mark against its health.
        lb = new LoadBalancer(ConfigLoader.parse("listen: 127.0.0.1:0\npools: { app: { health: { passive:"
                + " { consecutive-failures: 2, max-ejection-percent: 100 } }, backends: [ { id: b1, address:"
                + " \"127.0.0.1:" + backend.port() + "\" } ] } }\n", "test.yaml", Map.of())).start();
        for (String path : List.of("/gzip", "/twice", "/close")) {
            try (RawHttp c = new RawHttp(lb.port())) {
                RawHttp.Response r = c.send("GET " + path + " HTTP/1.0\r\nHost: h\r\n\r\n").read();
                assertThat(r.status()).as(path).isEqualTo(502);
                assertThat(r.body()).as(path).doesNotContain("GZ");
            }
        }
        assertThat(lb.upstreams().pool("app").backend("b1").orElseThrow().ejected()).isFalse();
    }

    /** An intermediary sends its own HTTP version (RFC 9110 §6.2), in an interim answer too. */
    @Test
    void interimAnswersFromAnHttp10BackendGoOutAsHttp11() throws Exception {
        start("HTTP/1.0 103 Early Hints\r\nLink: </s.css>\r\n\r\n"
                + "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok");
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
            String expected = "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\n"
                    + "Content-Length: 2\r\n\r\nok";
            assertThat(readBytes(c.socket().getInputStream(), expected.length())).isEqualTo(expected);
        }
    }
}
