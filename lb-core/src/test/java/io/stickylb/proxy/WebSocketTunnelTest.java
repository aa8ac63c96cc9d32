package io.stickylb.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stickylb.backend.Backend;
import io.stickylb.config.PoolConfig;
import io.stickylb.config.TimeoutConfig;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import io.stickylb.testing.WebSocketEcho;
import io.stickylb.testing.WsWire;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * WebSocket through the proxy: a handshake the backend accepts turns both connections into a byte tunnel; everything
 * else about the request (routing, affinity, retries before the 101) is HTTP as usual. Backends are Netty's own
 * WebSocket server or raw sockets; clients are the JDK's WebSocket client or raw sockets.
 */
class WebSocketTunnelTest {

    private static final String TUNNELS_OPEN_B1 = "stickylb_backend_tunnels_open\\{[^}]*backend=\"b1\"[^}]*}";

    private final List<AutoCloseable> started = new ArrayList<>();
    private LoadBalancer lb;

    @AfterEach
    void stop() throws Exception {
        if (lb != null) {
            lb.close(Duration.ofSeconds(1));
        }
        for (AutoCloseable c : started) {
            c.close();
        }
    }

    private WebSocketEcho echo(String name) {
        WebSocketEcho e = new WebSocketEcho(name);
        started.add(e);
        return e;
    }

    private FakeBackend fake(FakeBackend.Responder responder) throws IOException {
        FakeBackend b = new FakeBackend(responder);
        started.add(b);
        return b;
    }

    private void start(PoolConfig pool) {
        lb = new LoadBalancer(TestConfigs.single(pool)).start();
    }

    private Backend backend(String id) {
        return lb.upstreams().allBackends().stream().filter(b -> b.id().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void messagesFlowBothWaysAndTheTunnelIsCountedUntilItCloses() throws Exception {
        start(TestConfigs.pool("round-robin", echo("b1").port()));
        Messages messages = new Messages();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + lb.port() + "/ws"), messages).get(10, TimeUnit.SECONDS);
        Backend b1 = backend("b1");
        assertThat(b1.stats().openTunnels.get()).isEqualTo(1);
        assertThat(b1.inFlight()).as("an open tunnel counts as in flight").isEqualTo(1);
        assertThat(lb.runtime().activeExchanges()).as("but not as a request in progress").isZero();
        assertThat(lb.scrapeMetrics()).containsPattern(TUNNELS_OPEN_B1 + " 1\\.0");

        for (int i = 0; i < 50; i++) {
            ws.sendText("hello " + i, true).get(5, TimeUnit.SECONDS);
            assertThat(messages.next()).isEqualTo("b1:hello " + i);
        }
        byte[] big = new byte[3 << 20];
        java.util.concurrent.ThreadLocalRandom.current().nextBytes(big);
        ws.sendBinary(ByteBuffer.wrap(big), true).get(10, TimeUnit.SECONDS);
        assertThat(messages.nextBinary()).as("a 3 MiB message and its echo").isEqualTo(big);

        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
        assertThat(messages.closed.await(5, TimeUnit.SECONDS)).as("the backend's close frame came back").isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> b1.stats().openTunnels.get() == 0 && b1.inFlight() == 0);
        assertThat(lb.scrapeMetrics()).containsPattern(TUNNELS_OPEN_B1 + " 0\\.0");
        assertThat(b1.stats().bytesIn.sum()).as("tunnel bytes counted to the backend").isGreaterThan(3 << 20);
        assertThat(b1.stats().bytesOut.sum()).isGreaterThan(3 << 20);
        assertThat(b1.stats().responses(1)).as("the 101 counted as a 1xx response").isEqualTo(1);
    }

    @Test
    void cookieAffinityPinsHandshakesAndTheCookieComesWithThe101() throws Exception {
        WebSocketEcho e1 = echo("b1");
        WebSocketEcho e2 = echo("b2");
        start(TestConfigs.pool("cookie", e1.port(), e2.port()));
        String cookie;
        String home;
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send(WsWire.handshake("/ws", ""));
            RawHttp.Response switched = c.read();
            assertThat(switched.status()).isEqualTo(101);
            assertThat(switched.header("upgrade")).isEqualToIgnoringCase("websocket");
            assertThat(switched.header("connection")).isEqualToIgnoringCase("upgrade");
            assertThat(switched.header("sec-websocket-accept")).as("end-to-end fields pass")
                    .isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
            String setCookie = switched.header("set-cookie");
            assertThat(setCookie).as("affinity cookie on the 101").startsWith("LB_ROUTE=");
            cookie = setCookie.substring(0, setCookie.indexOf(';'));
            WsWire.send(c.output(), WsWire.clientFrame(WsWire.TEXT, WsWire.text("who")));
            home = WsWire.read(c.socket().getInputStream()).text();
            assertThat(home).startsWith("b");
        }
        for (int i = 0; i < 10; i++) {
            try (RawHttp c = new RawHttp(lb.port())) {
                c.send(WsWire.handshake("/ws", "Cookie: " + cookie + "\r\n"));
                assertThat(c.read().status()).isEqualTo(101);
                WsWire.send(c.output(), WsWire.clientFrame(WsWire.TEXT, WsWire.text("who")));
                assertThat(WsWire.read(c.socket().getInputStream()).text()).as("handshake %d", i).isEqualTo(home);
            }
        }
    }

    @Test
    void aBackendThatDropsTheConnectionClosesTheClientsToo() throws Exception {
        WebSocketEcho e1 = echo("b1");
        start(TestConfigs.pool("round-robin", e1.port()));
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send(WsWire.handshake("/ws", ""));
            assertThat(c.read().status()).isEqualTo(101);
            await().atMost(Duration.ofSeconds(5)).until(() -> e1.openSockets() == 1);
            e1.dropAll();
            c.socket().setSoTimeout(5000);
            // The server's close frame, then the end of the connection (a timeout here would throw).
            long rest = c.socket().getInputStream().transferTo(OutputStream.nullOutputStream());
            assertThat(rest).as("a close frame at most").isLessThan(16);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> backend("b1").inFlight() == 0);
    }

    @Test
    void aClientThatGoesAwayClosesTheBackendConnection() throws Exception {
        WebSocketEcho e1 = echo("b1");
        start(TestConfigs.pool("round-robin", e1.port()));
        RawHttp c = new RawHttp(lb.port());
        c.send(WsWire.handshake("/ws", ""));
        assertThat(c.read().status()).isEqualTo(101);
        await().atMost(Duration.ofSeconds(5)).until(() -> e1.openSockets() == 1);
        c.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> e1.openSockets() == 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> backend("b1").stats().openTunnels.get() == 0);
    }

    @Test
    void aClientThatSendsCloseAndHalfClosesStillHearsTheServersClose() throws Exception {
        byte[] serverClose = WsWire.serverFrame(8, new byte[] {0x03, (byte) 0xe8});
        FakeBackend b = fake((req, out, s) -> {
            out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            // Everything the client sends, up to its FIN (the proxy passes the half-close on), then our Close.
            s.getInputStream().transferTo(OutputStream.nullOutputStream());
            out.write(serverClose);
            out.flush();
            return false;
        });
        start(TestConfigs.pool("round-robin", b.port()));
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send(WsWire.handshake("/ws", ""));
            assertThat(c.read().status()).isEqualTo(101);
            c.output().write(WsWire.clientFrame(8, new byte[] {0x03, (byte) 0xe8}));
            c.output().flush();
            c.socket().shutdownOutput();
            c.socket().setSoTimeout(10_000);
            byte[] got = c.socket().getInputStream().readAllBytes();
            assertThat(got).as("the server's Close frame, then the end").containsExactly(serverClose);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> backend("b1").stats().openTunnels.get() == 0);
    }

    @Test
    void framesThatArriveWithThe101AreRelayedInOrder() throws Exception {
        byte[] hello = WsWire.serverFrame(WsWire.TEXT, WsWire.text("welcome"));
        FakeBackend b = fake((req, out, s) -> {
            // The 101 and the server's first frame in one write, so they reach the proxy in one read.
            byte[] head = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
            byte[] both = new byte[head.length + hello.length];
            System.arraycopy(head, 0, both, 0, head.length);
            System.arraycopy(hello, 0, both, head.length, hello.length);
            out.write(both);
            out.flush();
            InputStream in = s.getInputStream();
            WsWire.Frame f;
            while ((f = WsWire.read(in)).opcode() != 8) {
                out.write(WsWire.serverFrame(f.opcode(), f.payload()));
                out.flush();
            }
            return false;
        });
        start(TestConfigs.pool("round-robin", b.port()));
        try (RawHttp c = new RawHttp(lb.port())) {
            // As Firefox sends it: more than one Connection token, names and values in any case.
            c.send(WsWire.handshake("/ws", "").replace("Upgrade: websocket\r\nConnection: Upgrade",
                    "upgrade: WebSocket\r\nconnection: keep-alive, Upgrade"));
            assertThat(c.read().status()).isEqualTo(101);
            InputStream in = c.socket().getInputStream();
            assertThat(WsWire.read(in).text()).isEqualTo("welcome");
            WsWire.send(c.output(), WsWire.clientFrame(WsWire.TEXT, WsWire.text("ping")));
            assertThat(WsWire.read(in).text()).isEqualTo("ping");
        }
        FakeBackend.Request handshake = b.lastRequest();
        assertThat(handshake.header("Upgrade")).isEqualTo("websocket");
        assertThat(handshake.header("Connection")).isEqualTo("upgrade");
        assertThat(handshake.header("Sec-WebSocket-Key")).isEqualTo("dGhlIHNhbXBsZSBub25jZQ==");
        assertThat(handshake.header("X-Forwarded-For")).isEqualTo("127.0.0.1");
    }

    @Test
    void aDeclinedHandshakeIsAnOrdinaryResponseAndTheConnectionCarriesOn() throws Exception {
        FakeBackend b = fake((req, out, s) -> {
            String body = req.requestLine().startsWith("GET /ws") ? "no websocket here" : "plain";
            int status = req.requestLine().startsWith("GET /ws") ? 426 : 200;
            out.write(("HTTP/1.1 " + status + " X\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.ISO_8859_1));
            return true;
        });
        start(TestConfigs.pool("round-robin", b.port()));
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send(WsWire.handshake("/ws", ""));
            RawHttp.Response declined = c.read();
            assertThat(declined.status()).isEqualTo(426);
            assertThat(declined.body()).isEqualTo("no websocket here");
            c.send("GET /next HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(c.read().body()).as("the same connection, still HTTP").isEqualTo("plain");
        }
        assertThat(b.connections()).as("the backend connection was reused too").isEqualTo(1);
    }

    @Test
    void a101ToAnotherProtocolIsABadGateway() throws Exception {
        FakeBackend b = fake((req, out, s) -> {
            out.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            return false;
        });
        start(TestConfigs.pool("round-robin", b.port()));
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send(WsWire.handshake("/ws", ""));
            assertThat(c.read().status()).isEqualTo(502);
        }
    }

    @Test
    void otherUpgradesAreNotForwarded() throws Exception {
        FakeBackend b = fake((req, out, s) -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
            return true;
        });
        start(TestConfigs.pool("round-robin", b.port()));
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                    + "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
            // Nor is a WebSocket handshake with a body, with another method, or over HTTP/1.0.
            String upgrade = "Host: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n";
            c.send("GET /ws HTTP/1.1\r\n" + upgrade + "Content-Length: 2\r\n\r\nhi");
            assertThat(c.read().status()).isEqualTo(200);
            c.send("POST /ws HTTP/1.1\r\n" + upgrade + "\r\n");
            assertThat(c.read().status()).isEqualTo(200);
            c.send("GET /ws HTTP/1.0\r\n" + upgrade + "\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
        assertThat(b.requests()).hasSize(4);
        for (FakeBackend.Request r : b.requests()) {
            assertThat(r.header("Upgrade")).as(r.requestLine()).isNull();
            assertThat(r.header("HTTP2-Settings")).as(r.requestLine()).isNull();
            assertThat(r.header("Connection")).as(r.requestLine()).isNull();
        }
    }

    @Test
    void noHandshakeIsForwardedWhileShuttingDown() throws Exception {
        FakeBackend b = fake((req, out, s) -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
            return true;
        });
        start(TestConfigs.pool("round-robin", b.port()));
        try (RawHttp c = new RawHttp(lb.port())) {
            lb.runtime().startDraining();
            c.send(WsWire.handshake("/ws", ""));
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("connection")).isEqualTo("close");
        }
        assertThat(b.lastRequest().header("Upgrade")).isNull();
    }

    @Test
    void aClientThatSendsFramesBeforeThe101IsClosed() throws Exception {
        CountDownLatch backendClosed = new CountDownLatch(1);
        FakeBackend b = fake((req, out, s) -> {
            try {
                Thread.sleep(300); // the client's early frame reaches the proxy first
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            if (s.getInputStream().read() < 0) {
                backendClosed.countDown();
            }
            return false;
        });
        start(TestConfigs.pool("round-robin", b.port()));
        try (RawHttp c = new RawHttp(lb.port())) {
            OutputStream out = c.output();
            byte[] hs = WsWire.handshake("/ws", "").getBytes(StandardCharsets.ISO_8859_1);
            byte[] early = WsWire.clientFrame(WsWire.TEXT, WsWire.text("too soon"));
            byte[] both = new byte[hs.length + early.length];
            System.arraycopy(hs, 0, both, 0, hs.length);
            System.arraycopy(early, 0, both, hs.length, early.length);
            WsWire.send(out, both);
            c.socket().setSoTimeout(5000);
            RawHttp.Response r = c.read();
            assertThat(r == null || r.status() == 101).as("a 101 or nothing, then the close").isTrue();
            // The end of the connection, not just silence (a read timeout throws).
            assertThat(c.socket().getInputStream().read()).isEqualTo(-1);
        }
        assertThat(backendClosed.await(5, TimeUnit.SECONDS)).as("backend connection closed").isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> backend("b1").inFlight() == 0);
    }

    @Test
    void aSilentTunnelIsClosedAfterTheTunnelTimeout() throws Exception {
        WebSocketEcho e1 = echo("b1");
        PoolConfig pool = TestConfigs.pool("round-robin", e1.port());
        TimeoutConfig t = pool.timeouts();
        start(pool.withTimeouts(new TimeoutConfig(t.connect(), t.response(), t.idle(), Duration.ofSeconds(1))));
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send(WsWire.handshake("/ws", ""));
            assertThat(c.read().status()).isEqualTo(101);
            // Traffic keeps it open past the timeout (1.5 timeouts in all, each gap well inside one, even on a slow
            // host)...
            for (int i = 0; i < 6; i++) {
                Thread.sleep(250);
                WsWire.send(c.output(), WsWire.clientFrame(WsWire.TEXT, WsWire.text("keep")));
                assertThat(WsWire.read(c.socket().getInputStream()).text()).isEqualTo("b1:keep");
            }
            // ...silence does not.
            long start = System.nanoTime();
            c.socket().setSoTimeout(10_000);
            assertThat(c.closedByPeer()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> e1.openSockets() == 0);
    }

    @Test
    void aClientThatStopsReadingStopsTheBackendInsteadOfFillingTheProxy() throws Exception {
        long total = 64L << 20;
        AtomicLong sent = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        FakeBackend b = fake((req, out, s) -> {
            out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            byte[] chunk = new byte[64 * 1024];
            while (sent.get() < total) {
                out.write(chunk);
                sent.addAndGet(chunk.length);
            }
            out.flush();
            done.countDown();
            return false;
        });
        start(TestConfigs.pool("round-robin", b.port()));
        try (RawHttp c = new RawHttp(lb.port())) {
            c.socket().setReceiveBufferSize(64 * 1024);
            c.send(WsWire.handshake("/ws", ""));
            assertThat(c.read().status()).isEqualTo(101);
            Thread.sleep(1500); // not reading: the backend must stall far short of the total
            assertThat(sent.get()).as("bytes the backend got rid of while the client read nothing")
                    .isLessThan(total / 2);
            InputStream in = c.socket().getInputStream();
            byte[] buf = new byte[256 * 1024];
            long received = 0;
            while (received < total) {
                int n = in.read(buf);
                assertThat(n).as("tunnel ended early at %d", received).isPositive();
                received += n;
            }
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** Collects what the JDK client receives. */
    private static final class Messages implements WebSocket.Listener {
        private final LinkedBlockingQueue<Object> received = new LinkedBlockingQueue<>();
        private final CountDownLatch closed = new CountDownLatch(1);
        private final StringBuilder text = new StringBuilder();
        private java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                received.add(text.toString());
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            binary.write(b, 0, b.length);
            if (last) {
                received.add(binary.toByteArray());
                binary = new java.io.ByteArrayOutputStream();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            closed.countDown();
            return CompletableFuture.completedFuture(null);
        }

        String next() throws InterruptedException {
            Object o = received.poll(5, TimeUnit.SECONDS);
            assertThat(o).isInstanceOf(String.class);
            return (String) o;
        }

        byte[] nextBinary() throws InterruptedException {
            Object o = received.poll(10, TimeUnit.SECONDS);
            assertThat(o).isInstanceOf(byte[].class);
            return (byte[]) o;
        }
    }
}
