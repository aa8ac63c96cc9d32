package io.stickylb.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stickylb.config.PoolConfig;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Backends that break the protocol: the client gets a clean 502/504 or a closed connection, never a fake success. */
class MisbehavingBackendTest {

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

    private void start(String rawResponse, boolean keep, Duration response, Duration idle) throws IOException {
        backend = new FakeBackend((req, out, s) -> {
            out.write(rawResponse.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            if (rawResponse.isEmpty() || !keep) {
                try {
                    Thread.sleep(keep ? 0 : 3000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return keep;
        });
        PoolConfig pool = TestConfigs.withTimeouts(TestConfigs.pool("round-robin", backend.port()),
                Duration.ofSeconds(1), response, idle);
        lb = new LoadBalancer(TestConfigs.single(pool)).start();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            garbage instead of a status line      | 502 | SSH-2.0-OpenSSH\\r\\n\\r\\n
            Content-Length and Transfer-Encoding  | 502 | HTTP/1.1 200 OK\\r\\nContent-Length: 3\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n3\\r\\nabc\\r\\n0\\r\\n\\r\\n
            differing Content-Length headers      | 502 | HTTP/1.1 200 OK\\r\\nContent-Length: 3\\r\\nContent-Length: 4\\r\\n\\r\\nabcd
            Content-Length not digits             | 502 | HTTP/1.1 200 OK\\r\\nContent-Length: x\\r\\n\\r\\nabc
            oversized response head               | 502 | HTTP/1.1 200 OK\\r\\nX-Big: BIG\\r\\nContent-Length: 2\\r\\n\\r\\nok
            switching protocols unasked           | 502 | HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\n\\r\\n
            bad status code                       | 502 | HTTP/1.1 2000 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok
            closes before the head                | 502 | HTTP/1.1 200 O
            """)
    void protocolViolationsBecome502(String name, int status, String raw) throws Exception {
        start(raw.replace("\\r", "\r").replace("\\n", "\n").replace("BIG", "b".repeat(40_000)), false,
                Duration.ofSeconds(5), Duration.ofSeconds(60));
        try (RawHttp c = new RawHttp(lb.port())) {
            RawHttp.Response r = c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read();
            assertThat(r).as(name).isNotNull();
            assertThat(r.status()).as(name).isEqualTo(status);
        }
    }

    /** Answers to {@code /first} that say more than was asked for: case, method, status of the answer relayed. */
    static Stream<Arguments> overlongAnswers() {
        return Stream.of(
                Arguments.of("body after HEAD", "HEAD", 200, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
                Arguments.of("response smuggled after HEAD", "HEAD", 200, "HTTP/1.1 200 OK\r\nContent-Length: 41"
                        + "\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nPWNED!"),
                Arguments.of("body after 204", "GET", 204, "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello"),
                Arguments.of("second response", "GET", 200,
                        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 204 \r\n\r\n"),
                Arguments.of("half a response", "GET", 200, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 2"),
                Arguments.of("chunked, then bytes", "GET", 200,
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\nEXTRA"));
    }

    private void startOverlong(String overlong) throws IOException {
        byte[] first = overlong.getBytes(StandardCharsets.ISO_8859_1);
        byte[] good = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ngood".getBytes(StandardCharsets.ISO_8859_1);
        backend = new FakeBackend((req, out, s) -> {
            out.write(req.requestLine().contains(" /first ") ? first : good);
            out.flush();
            return true;
        });
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
    }

    /**
     * A backend that sends more than it was asked for (a body after its answer to HEAD or 204, an unasked second
     * response, or part of one) is out of step: the answer asked for is relayed, and the connection is dropped instead
     * of pooled, so the next request is answered by the backend, not by those leftover bytes or a 502.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("overlongAnswers")
    void aBackendThatSendsMoreThanAskedLosesItsConnection(String name, String method, int status, String raw)
            throws Exception {
        startOverlong(raw);
        try (RawHttp c = new RawHttp(lb.port())) {
            RawHttp.Response first = c.send(method + " /first HTTP/1.1\r\nHost: h\r\n\r\n").read(method.equals("HEAD"));
            assertThat(first.status()).as(name).isEqualTo(status);
            for (int i = 0; i < 3; i++) {
                RawHttp.Response next = c.send("GET /next HTTP/1.1\r\nHost: h\r\n\r\n").read();
                assertThat(next.status()).as(name + ", request " + (i + 2)).isEqualTo(200);
                assertThat(next.body()).as(name + ", request " + (i + 2)).isEqualTo("good");
            }
        }
        assertThat(backend.connections()).as(name + ": the out-of-step connection is not reused").isEqualTo(2);
    }

    /**
     * The same with the next requests pipelined behind the first: the first's end starts the next exchange within the
     * same read of the backend, so the leftover bytes must be gone before that exchange can take the connection.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("overlongAnswers")
    void aPipelinedRequestIsNeverAnsweredByWhatTheBackendSentBeyondThePreviousAnswer(String name, String method,
            int status, String raw) throws Exception {
        startOverlong(raw);
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send(method + " /first HTTP/1.1\r\nHost: h\r\n\r\n" + "GET /next HTTP/1.1\r\nHost: h\r\n\r\n".repeat(3));
            assertThat(c.read(method.equals("HEAD")).status()).as(name).isEqualTo(status);
            for (int i = 0; i < 3; i++) {
                RawHttp.Response next = c.read();
                assertThat(next).as(name + ", request " + (i + 2)).isNotNull();
                assertThat(next.status()).as(name + ", request " + (i + 2)).isEqualTo(200);
                assertThat(next.body()).as(name + ", request " + (i + 2)).isEqualTo("good");
            }
        }
    }

    @Test
    void obsFoldInAResponseHeadIsReplacedBySpaceAsRfc9112Allows() throws Exception {
        start("HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nContent-Length: 2\r\n\r\nok", true, Duration.ofSeconds(5),
                Duration.ofSeconds(60));
        try (RawHttp c = new RawHttp(lb.port())) {
            RawHttp.Response r = c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("X-A")).isEqualTo("1 folded");
        }
    }

    /**
     * A fold in a framing field is unfolded before the field is read (RFC 9112 §5.2), so the proxy frames the body by
     * the field it relays: {@code 2} folded with {@code 5} is the invalid length {@code 2 5}, not a length of 2.
     */
    @Test
    void aFoldedContentLengthIsReadAsTheUnfoldedValue() throws Exception {
        start("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n 5\r\n\r\nokHELLO", true, Duration.ofSeconds(5),
                Duration.ofSeconds(60));
        try (RawHttp c = new RawHttp(lb.port())) {
            assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(502);
        }
    }

    /** {@code chunked} folded with {@code , gzip} does not end in chunked: the body runs to the close. */
    @Test
    void aFoldedTransferEncodingIsReadAsTheUnfoldedValue() throws Exception {
        start("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n , gzip\r\n\r\n2\r\nok\r\n0\r\n\r\n", false,
                Duration.ofSeconds(5), Duration.ofSeconds(60));
        try (RawHttp c = new RawHttp(lb.port())) {
            RawHttp.Response r = c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            // Relayed as the close-delimited body it is, under the unfolded codings, which only the client can undo.
            assertThat(r.header("Transfer-Encoding")).isEqualToIgnoringCase("chunked , gzip");
            assertThat(r.body()).isEqualTo("2\r\nok\r\n0\r\n\r\n");
        }
    }

    /** A {@code close} on a continuation line of Connection still keeps that connection out of the pool. */
    @Test
    void aFoldedConnectionCloseIsHonoured() throws Exception {
        start("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive,\r\n close\r\n\r\nok", true,
                Duration.ofSeconds(5), Duration.ofSeconds(60));
        try (RawHttp c = new RawHttp(lb.port())) {
            for (int i = 0; i < 2; i++) {
                assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().body()).isEqualTo("ok");
            }
        }
        assertThat(backend.connections()).isEqualTo(2);
    }

    /**
     * A body that runs to the close is cut off, not ended, when the backend resets its connection: the client gets no
     * last chunk, only a closed connection.
     */
    @Test
    void aResetEndsABodyReadToTheCloseAsCutOffNotAsWhole() throws Exception {
        backend = new FakeBackend((req, out, s) -> {
            out.write("HTTP/1.1 200 OK\r\n\r\npartial".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            try {
                Thread.sleep(200); // the head and the bytes are relayed before the reset
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            s.setSoLinger(true, 0);
            return false;
        });
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
        try (RawHttp c = new RawHttp(lb.port())) {
            c.socket().setSoTimeout(5000);
            c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
            String got = new String(c.socket().getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(got).startsWith("HTTP/1.1 200").contains("partial").doesNotContain("\r\n0\r\n\r\n");
        }
    }

    /** RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 response is faulty framing, so its connection is not kept. */
    @Test
    void anHttp10ResponseWithTransferEncodingDoesNotKeepItsConnection() throws Exception {
        start("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n2\r\nok\r\n0\r\n\r\n",
                true, Duration.ofSeconds(5), Duration.ofSeconds(60));
        try (RawHttp c = new RawHttp(lb.port())) {
            for (int i = 0; i < 2; i++) {
                assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().body()).isEqualTo("ok");
            }
        }
        assertThat(backend.connections()).isEqualTo(2);
    }

    /**
     * An HTTP/1.0 client reads a chunked body, relayed as plain bytes, up to the close: when the backend closes
     * mid-body that close must not pass for the body's end, so the client connection is reset instead.
     */
    @Test
    void anHttp10ClientIsResetWhenTheBodyItReadsToTheCloseIsCutOff() throws Exception {
        backend = new FakeBackend((req, out, s) -> {
            out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            return false;
        });
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("GET / HTTP/1.0\r\nHost: h\r\n\r\n");
            assertThatThrownBy(() -> c.socket().getInputStream().transferTo(OutputStream.nullOutputStream()))
                    .isInstanceOf(SocketException.class);
        }
    }

    @Test
    void aBackendThatStallsBeforeTheHeadGives504() throws Exception {
        start("", false, Duration.ofMillis(300), Duration.ofSeconds(60));
        try (RawHttp c = new RawHttp(lb.port())) {
            assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(504);
        }
    }

    @Test
    void aBackendThatStallsMidBodyIsCutOffAfterTheIdleTimeout() throws Exception {
        start("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf", false, Duration.ofSeconds(5),
                Duration.ofMillis(400));
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
            org.assertj.core.api.Assertions.assertThatThrownBy(c::read).isInstanceOf(IOException.class);
        }
    }

    @Test
    void connectionCloseFromTheBackendDoesNotCloseTheClient() throws Exception {
        start("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", false, Duration.ofSeconds(5),
                Duration.ofSeconds(60));
        try (RawHttp c = new RawHttp(lb.port())) {
            RawHttp.Response r = c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read();
            assertThat(r.body()).isEqualTo("ok");
            assertThat(r.header("Connection")).isNull();
            assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().body()).isEqualTo("ok");
        }
        assertThat(backend.connections()).isEqualTo(2);
    }
}
