package io.stickylb.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.stickylb.backend.Backend;
import io.stickylb.config.AccessLogConfig;
import io.stickylb.config.LimitsConfig;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.AccessLogLines;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A backend (or stickylb itself) that answers before the whole request body was read: the client still uploading
 * must get the answer, not a reset. The rest of the body is read and dropped and the connection carries on; a
 * client that stops sending, or one that may never send its body (Expect: 100-continue), is closed gently: FIN
 * first, then a close once it is done, as nginx and HAProxy do.
 */
class EarlyAnswerTest {

    private static final String EARLY = "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 3\r\n\r\nbig";
    private static final int MIB = 1024 * 1024;

    private final AccessLogLines accessLines = new AccessLogLines();
    private EarlyBackend backend;
    private LoadBalancer lb;

    @AfterEach
    void stop() throws IOException {
        if (lb != null) {
            lb.close(Duration.ofSeconds(1));
        }
        if (backend != null) {
            backend.close();
        }
        accessLines.close();
    }

    private void start(String earlyAnswer, Duration idleTimeout, long maxBodySize) throws IOException {
        start(earlyAnswer, Duration.ofSeconds(10), idleTimeout, maxBodySize);
    }

    private void start(String earlyAnswer, Duration headerTimeout, Duration idleTimeout, long maxBodySize)
            throws IOException {
        backend = new EarlyBackend(earlyAnswer);
        LimitsConfig limits = new LimitsConfig(8192, 16384, 100, maxBodySize, headerTimeout, idleTimeout,
                100, 1024);
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port()).withLimits(limits)
                .withAccessLog(new AccessLogConfig(true, AccessLogConfig.Format.TEXT))).start();
    }

    private void start(String earlyAnswer) throws IOException {
        start(earlyAnswer, Duration.ofSeconds(60), 0);
    }

    /** Waits until the answer's first bytes reached the client, without reading them. */
    private static void awaitAnswer(RawHttp c) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (c.socket().getInputStream().available() == 0) {
            assertThat(System.nanoTime() - end).as("an answer within 10 s").isNegative();
            Thread.sleep(5);
        }
    }

    @Test
    void theRestOfALengthFramedBodyIsDroppedAndTheConnectionServesTheNextRequest() throws Exception {
        start(EARLY);
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n12345");
            awaitAnswer(c);
            // The rest of the body arrives after the answer went out, before the client reads it.
            c.send("67890");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.body()).isEqualTo("big");
            assertThat(r.header("Connection")).as("the connection stays open").isNull();
            RawHttp.Response next = c.send("GET /next HTTP/1.1\r\nHost: h\r\n\r\n").read();
            assertThat(next).as("an answer to the next request on the same connection").isNotNull();
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.body()).isEqualTo("ok");
        }
        assertThat(backend.requests()).as("the dropped body never reached a backend as a request")
                .containsExactly("POST /upload", "GET /next");
        assertThat(backend.connections()).as("the connection out of step with its request is not pooled")
                .isEqualTo(2);
        Backend b = lb.upstreams().pool("app").backends().get(0);
        assertThat(b.stats().errorsTotal()).as("no backend error for an early answer").isZero();
        // A request is logged just after its answer is flushed: the client may read the answer first.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(accessLines())
                .as("each request logged once, the early one with the backend's status").hasSize(2));
        assertThat(accessLines().get(0)).contains("POST /upload").contains(" 413 ");
    }

    @Test
    void theRestOfAChunkedBodyIsDroppedAndARequestPipelinedBehindItIsServed() throws Exception {
        start(EARLY);
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n12345\r\n");
            awaitAnswer(c);
            c.send("5\r\n67890\r\n3;ext=1\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n"
                    + "GET /next HTTP/1.1\r\nHost: h\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.body()).isEqualTo("big");
            RawHttp.Response next = c.read();
            assertThat(next).as("the pipelined request behind the dropped body is answered").isNotNull();
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.body()).isEqualTo("ok");
        }
        assertThat(backend.requests()).containsExactly("POST /upload", "GET /next");
    }

    /**
     * A client that writes its whole upload before it reads (as a simple blocking client does) gets the answer sent
     * early, and its writes never fail: the body is read and dropped to its end, and the connection is kept.
     */
    @Test
    void aLargeUploadThatGoesOnAfterTheAnswerGetsTheAnswerWithoutAReset() throws Exception {
        start(EARLY);
        int size = 8 * MIB;
        try (RawHttp c = new RawHttp(lb.port())) {
            byte[] head = ("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: " + size + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
            CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> writeBody(c.output(), head, size));
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.body()).isEqualTo("big");
            upload.get(30, TimeUnit.SECONDS); // throws if a write failed (a reset, a broken pipe)
            RawHttp.Response next = c.send("GET /next HTTP/1.1\r\nHost: h\r\n\r\n").read();
            assertThat(next).isNotNull();
            assertThat(next.status()).isEqualTo(200);
        }
    }

    /**
     * stickylb's own 413 for a declared length over {@code max-body-size} has the same problem: the client is
     * uploading. The connection must close, but gently (FIN, then reading and dropping what still comes), so the
     * upload is not cut off by a reset before the client reads the answer.
     */
    @Test
    void aLocal413ToAnUploadInProgressReachesTheClientWithoutAReset() throws Exception {
        start(EARLY, Duration.ofSeconds(60), 64 * 1024);
        int size = 8 * MIB;
        try (RawHttp c = new RawHttp(lb.port())) {
            // The head and the body's start in one write: body bytes wait unread when the answer is sent.
            byte[] head = ("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: " + size + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
            CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> writeBody(c.output(), head, size));
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
            assertThat(endOfStream(c.socket(), 20_000)).as("a FIN after the answer, not a reset").isTrue();
            // What the client still sends is read and dropped while the connection lingers: its writes never fail,
            // so a client that reads only once its upload is written gets to read the answer.
            upload.get(30, TimeUnit.SECONDS);
        }
        assertThat(backend.connections()).isZero();
    }

    /**
     * A client that stops sending in the middle of the body it owes after the answer: the connection waits for it
     * (it is not closed at once, as it was before), then closes after the quiet gap, here the short idle timeout.
     */
    @Test
    void aClientThatStopsSendingTheRestOfItsBodyIsClosedAfterTheGap() throws Exception {
        start(EARLY, Duration.ofMillis(1500), 0);
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n12345");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(413);
            c.send("67890");
            Socket s = c.socket();
            s.setSoTimeout(300);
            assertThatThrownBy(() -> s.getInputStream().read()).as("still waiting for the rest of the body")
                    .isInstanceOf(SocketTimeoutException.class);
            assertThat(endOfStream(s, 20_000)).as("closed (a FIN, no reset) once the client went quiet").isTrue();
        }
        assertThat(accessLines()).hasSize(1);
    }

    /**
     * A client that asked for {@code 100-continue} and got a final answer without a {@code 100} may never send its
     * body: the answer says {@code Connection: close} and the connection ends right after it, not after the gap.
     */
    @Test
    void aFinalAnswerTo100ContinueWithoutA100ClosesTheConnectionAtOnce() throws Exception {
        start("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic\r\nContent-Length: 4\r\n\r\nauth");
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("PUT /upload HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.body()).isEqualTo("auth");
            assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
            // Well under the 5 s gap: the close does not wait for a body that may never come.
            assertThat(endOfStream(c.socket(), 3000)).as("closed right after the answer").isTrue();
        }
        assertThat(backend.requests()).containsExactly("PUT /upload");
    }

    /**
     * A graceful shutdown while a connection drops the rest of a body answered early: the connection closes gently
     * (FIN, then the client's bytes are still read) and the shutdown waits for it within its drain, rather than
     * cutting it off at once with a reset that fails the client's writes and can destroy its unread answer.
     */
    @Test
    void aShutdownWaitsForALingeringConnectionWithinItsDrain() throws Exception {
        start(EARLY);
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n12345");
            awaitAnswer(c);
            LoadBalancer stopping = lb;
            CompletableFuture<Void> shutdown = CompletableFuture.runAsync(() -> stopping.close(Duration.ofSeconds(20)));
            await().atMost(Duration.ofSeconds(10)).until(() -> stopping.runtime().draining());
            // The client goes on with its upload for a while, as one that reads only after writing would.
            for (int i = 0; i < 10; i++) {
                c.send("more body");
                Thread.sleep(50);
            }
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.body()).isEqualTo("big");
            c.socket().shutdownOutput(); // done: the linger ends with the client's FIN
            assertThat(endOfStream(c.socket(), 20_000)).as("a FIN after the answer, not a reset").isTrue();
            shutdown.get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * A client whose request head is too slow gets its 408 the same gentle way as other closing error answers: what
     * it still sends is read and dropped, so its writes do not fail with a reset before it reads the answer.
     */
    @Test
    void aRequestHeadThatTimesOutIsAnswered408AndClosedGently() throws Exception {
        start(EARLY, Duration.ofMillis(300), Duration.ofSeconds(60), 0);
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("GET /slow HTTP/1.1\r\nHost: h\r\n");
            awaitAnswer(c);
            for (int i = 0; i < 10; i++) {
                c.send("X-Late: header\r\n");
                Thread.sleep(50);
            }
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(408);
            assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
            c.socket().shutdownOutput();
            assertThat(endOfStream(c.socket(), 20_000)).as("a FIN after the answer, not a reset").isTrue();
        }
        assertThat(backend.requests()).isEmpty();
    }

    /** True when the peer's FIN arrives within {@code millis}; a reset fails the test with its exception. */
    private static boolean endOfStream(Socket s, int millis) throws IOException {
        s.setSoTimeout(millis);
        InputStream in = s.getInputStream();
        byte[] buf = new byte[8192];
        while (true) {
            int n = in.read(buf);
            if (n < 0) {
                return true;
            }
            assertThat(new String(buf, 0, n, StandardCharsets.ISO_8859_1)).as("nothing after the answer").isEmpty();
        }
    }

    /** Writes {@code head} and a body of {@code size} bytes, the head with the body's first 64 KiB. */
    private static void writeBody(OutputStream out, byte[] head, int size) {
        byte[] chunk = new byte[64 * 1024];
        try {
            byte[] first = Arrays.copyOf(head, head.length + chunk.length);
            out.write(first);
            for (int sent = chunk.length; sent < size; sent += chunk.length) {
                out.write(chunk, 0, Math.min(chunk.length, size - sent));
            }
            out.flush();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private List<String> accessLines() {
        return accessLines.lines();
    }

    /**
     * A backend that answers a request with a body as soon as its head is read (then reads and drops what comes until
     * the proxy closes), and any other request with 200 "ok", keeping that connection.
     */
    private static final class EarlyBackend implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final ExecutorService threads = Executors.newCachedThreadPool();
        private final List<String> requests = new CopyOnWriteArrayList<>();
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private final byte[] early;

        EarlyBackend(String earlyAnswer) throws IOException {
            this.early = earlyAnswer.getBytes(StandardCharsets.ISO_8859_1);
            threads.execute(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        sockets.add(s);
                        threads.execute(() -> serve(s));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        int connections() {
            return sockets.size();
        }

        /** Method and path of every request received. */
        List<String> requests() {
            return requests;
        }

        private void serve(Socket s) {
            try (s) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                String head;
                while ((head = readHead(in)) != null) {
                    String[] line = head.split(" ", 3);
                    requests.add(line[0] + " " + line[1]);
                    String lower = head.toLowerCase(Locale.ROOT);
                    if (lower.contains("content-length:") || lower.contains("transfer-encoding:")) {
                        out.write(early);
                        out.flush();
                        in.transferTo(OutputStream.nullOutputStream());
                        return;
                    }
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
            } catch (IOException e) {
                // the proxy closed the connection
            }
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            int crlfs = 0; // CR, LF, CR, LF seen in a row
            while ((c = in.read()) >= 0) {
                b.write(c);
                crlfs = c == (crlfs % 2 == 0 ? '\r' : '\n') ? crlfs + 1 : (c == '\r' ? 1 : 0);
                if (crlfs == 4) {
                    return b.toString(StandardCharsets.ISO_8859_1);
                }
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
            threads.shutdownNow();
        }
    }
}
