package io.stickylb.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.stickylb.backend.BackendState;
import io.stickylb.config.AccessLogConfig;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.config.RouteConfig;
import io.stickylb.metrics.ErrorKind;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.Ports;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** What clients get when backends are missing, refuse, stall or break, and how shutdown treats requests in flight. */
class ProxyErrorsTest {

    private FakeBackend backend;
    private LoadBalancer lb;

    @AfterEach
    void stop() throws IOException {
        if (lb != null) {
            lb.close(Duration.ofSeconds(2));
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void refusedBackendGives502WithoutRevealingItsAddress() throws Exception {
        int dead = Ports.closed();
        lb = new LoadBalancer(TestConfigs.roundRobin(dead)).start();
        try (RawHttp c = new RawHttp(lb.port())) {
            RawHttp.Response r = c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.body()).doesNotContain("127.0.0.1").doesNotContain(Integer.toString(dead))
                    .doesNotContain("Exception");
            // The request was complete, so the client connection survives the error.
            assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(502);
        }
        assertThat(lb.upstreams().pool("app").backends().get(0).stats().errors(ErrorKind.CONNECT)).isPositive();
    }

    @Test
    void aRefusingBackendIsRetriedOnAnotherOne() throws Exception {
        backend = FakeBackend.ok("alive");
        lb = new LoadBalancer(TestConfigs.roundRobin(Ports.closed(), backend.port())).start();
        for (int i = 0; i < 10; i++) {
            try (RawHttp c = new RawHttp(lb.port())) {
                RawHttp.Response r = c.send("POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx").read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("alive");
            }
        }
    }

    @Test
    void noAvailableBackendGives503() throws Exception {
        backend = FakeBackend.ok("ok");
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
        lb.upstreams().pool("app").setState("b1", BackendState.MAINTENANCE, "test");
        try (RawHttp c = new RawHttp(lb.port())) {
            assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(503);
        }
        assertThat(backend.requests()).isEmpty();
    }

    @Test
    void a503DecidedAsTheHeadArrivesKeepsTheConnectionOfABodilessRequest() throws Exception {
        backend = FakeBackend.ok("ok");
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
        lb.upstreams().pool("app").setState("b1", BackendState.MAINTENANCE, "test");
        try (RawHttp c = new RawHttp(lb.port())) {
            RawHttp.Response r = c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(503);
            // The request had no body, so nothing of it is left to read: the connection survives, as after a 502.
            assertThat(r.header("connection")).isNull();
            lb.upstreams().pool("app").setState("b1", BackendState.UP, "test");
            RawHttp.Response next = c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read();
            assertThat(next).as("an answer on the same connection").isNotNull();
            assertThat(next.status()).isEqualTo(200);
        }
    }

    /**
     * Pipelined requests queued behind a proxied one and answered without a backend (their pool is down) are taken
     * one after another, not each from inside the previous one's answer: the event loop's stack stays flat. It grew
     * by one level per request, and a socket read's worth of them (64 KiB, some 2400 minimal heads) overflowed it:
     * the StackOverflowError left the connection hung and an exchange counted in flight for good.
     */
    @Test
    void pipelinedRequestsAnsweredWithoutABackendAreTakenInALoopNotByRecursion() throws Exception {
        backend = FakeBackend.ok("ok");
        PoolConfig up = PoolConfig.of("up", "round-robin", List.of(TestConfigs.backend("u1", backend.port())));
        PoolConfig down = PoolConfig.of("down", "round-robin", List.of(TestConfigs.backend("d1", backend.port())));
        LoadBalancerConfig base = TestConfigs.single(up);
        Logger access = (Logger) LoggerFactory.getLogger("stickylb.access");
        Level levelBefore = access.getLevel();
        List<Long> depths = new CopyOnWriteArrayList<>();
        AppenderBase<ILoggingEvent> stackDepth = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                // Logged as each request ends, on the event loop, so this is how deep that loop's stack was.
                depths.add(StackWalker.getInstance().walk(frames -> frames.count()));
            }
        };
        access.setLevel(Level.INFO);
        stackDepth.start();
        access.addAppender(stackDepth);
        try {
            lb = new LoadBalancer(new LoadBalancerConfig(null, base.listen(), 1, Map.of("up", up, "down", down),
                    List.of(new RouteConfig("*", "/d", "down"), new RouteConfig("*", "/", "up")), null, null,
                    new AccessLogConfig(true, AccessLogConfig.Format.TEXT), null, null)).start();
            lb.upstreams().pool("down").setState("d1", BackendState.MAINTENANCE, "test");
            try (RawHttp c = new RawHttp(lb.port())) {
                // A body first, so the proxy's reads grow to take the whole pipeline below at once.
                c.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 65536\r\n\r\n" + "x".repeat(65536));
                assertThat(c.read().status()).isEqualTo(200);
                int queued = 300;
                c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n" + "GET /d HTTP/1.1\r\nHost: h\r\n\r\n".repeat(queued));
                assertThat(c.read().status()).isEqualTo(200);
                for (int i = 0; i < queued; i++) {
                    RawHttp.Response r = c.read();
                    assertThat(r).as("the answer to pipelined request %d", i).isNotNull();
                    assertThat(r.status()).isEqualTo(503);
                }
                // A request is logged just after its answer is written.
                await().atMost(5, TimeUnit.SECONDS).until(() -> depths.size() == 2 + queued);
            }
        } finally {
            access.detachAppender(stackDepth);
            stackDepth.stop();
            access.setLevel(levelBefore);
        }
        List<Long> answered503 = List.copyOf(depths.subList(2, depths.size()));
        assertThat(answered503).hasSize(300);
        long deepest = answered503.stream().mapToLong(Long::longValue).max().orElseThrow();
        assertThat(deepest - answered503.get(0)).as("stack growth over 300 queued requests").isLessThan(20);
    }

    @Test
    void slowBackendGives504AfterTheResponseTimeout() throws Exception {
        backend = new FakeBackend((req, out, s) -> {
            try {
                Thread.sleep(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return false;
        });
        PoolConfig pool = TestConfigs.withTimeouts(TestConfigs.pool("round-robin", backend.port()),
                Duration.ofSeconds(1), Duration.ofMillis(300), Duration.ofSeconds(60));
        lb = new LoadBalancer(TestConfigs.single(pool)).start();
        try (RawHttp c = new RawHttp(lb.port())) {
            long t0 = System.nanoTime();
            assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(504);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(2500);
        }
    }

    @Test
    void interimAnswersRestartTheResponseTimeout() throws Exception {
        // Four 102s 400 ms apart: 1.6 s in all against a 1 s response timeout, never 1 s without a word.
        backend = new FakeBackend((req, out, s) -> {
            try {
                for (int i = 0; i < 4; i++) {
                    out.write("HTTP/1.1 102 Processing\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    Thread.sleep(400);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone".getBytes(StandardCharsets.ISO_8859_1));
            return true;
        });
        PoolConfig pool = TestConfigs.withTimeouts(TestConfigs.pool("round-robin", backend.port()),
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(60));
        lb = new LoadBalancer(TestConfigs.single(pool)).start();
        try (RawHttp c = new RawHttp(lb.port())) {
            RawHttp.Response r = c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read();
            int interims = 0;
            while (r.status() == 102) {
                interims++;
                r = c.read();
            }
            assertThat(interims).isEqualTo(4);
            assertThat(r.status()).as("the final answer, not a 504").isEqualTo(200);
            assertThat(r.body()).isEqualTo("done");
        }
    }

    @Test
    void aShortResponseTimeoutHoldsAfterALongerOneOnTheSameConnection() throws Exception {
        backend = new FakeBackend((req, out, s) -> {
            if (req.requestLine().startsWith("GET /fast")) {
                try {
                    Thread.sleep(3000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
            return true;
        });
        PoolConfig patient = TestConfigs.withTimeouts(PoolConfig.of("patient", "round-robin",
                List.of(TestConfigs.backend("p1", backend.port()))), Duration.ofSeconds(1), Duration.ofSeconds(30),
                Duration.ofSeconds(60));
        PoolConfig fast = TestConfigs.withTimeouts(PoolConfig.of("fast", "round-robin",
                List.of(TestConfigs.backend("f1", backend.port()))), Duration.ofSeconds(1), Duration.ofMillis(300),
                Duration.ofSeconds(60));
        LoadBalancerConfig base = TestConfigs.single(patient);
        lb = new LoadBalancer(new LoadBalancerConfig(null, base.listen(), 1, Map.of("patient", patient, "fast", fast),
                List.of(new RouteConfig("*", "/fast", "fast"), new RouteConfig("*", "/", "patient")), null, null,
                base.accessLog(), null, null)).start();
        try (RawHttp c = new RawHttp(lb.port())) {
            assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(200);
            // The connection's response deadline was last armed for 30 s; this pool's 300 ms must still apply.
            long t0 = System.nanoTime();
            assertThat(c.send("GET /fast HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(504);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(2500);
        }
    }

    @Test
    void unmatchedRouteGives404() throws Exception {
        backend = FakeBackend.ok("ok");
        PoolConfig pool = TestConfigs.pool("round-robin", backend.port());
        LoadBalancerConfig base = TestConfigs.single(pool);
        lb = new LoadBalancer(new LoadBalancerConfig(null, base.listen(), 1, Map.of("app", pool),
                List.of(new RouteConfig("api.example.com", "/v1", "app")), null, null, base.accessLog(), null,
                null)).start();
        try (RawHttp c = new RawHttp(lb.port())) {
            assertThat(c.send("GET /v1/x HTTP/1.1\r\nHost: www.example.com\r\n\r\n").read().status()).isEqualTo(404);
            assertThat(c.send("GET /v2 HTTP/1.1\r\nHost: api.example.com\r\n\r\n").read().status()).isEqualTo(404);
            assertThat(c.send("GET /v1/x HTTP/1.1\r\nHost: API.example.com:8080\r\n\r\n").read().status())
                    .isEqualTo(200);
        }
    }

    @Test
    void backendClosingMidBodyClosesTheClientConnectionInsteadOfFakingCompletion() throws Exception {
        backend = new FakeBackend((req, out, s) -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten..".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return false;
        });
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThatThrownBy(c::read).isInstanceOf(IOException.class).hasMessageContaining("closed after 10");
        }
        assertThat(lb.upstreams().pool("app").backends().get(0).stats().errors(ErrorKind.TRUNCATED)).isEqualTo(1);
    }

    @Test
    void garbageFromTheBackendGives502() throws Exception {
        backend = new FakeBackend((req, out, s) -> {
            out.write("SSH-2.0-OpenSSH_9.2\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            return false;
        });
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
        try (RawHttp c = new RawHttp(lb.port())) {
            assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(502);
        }
    }

    @Test
    void aPooledConnectionClosedByTheBackendIsNeverUsedAgain() throws Exception {
        // The backend answers and then closes every connection, but says nothing about it: the proxy pools the
        // connection, sees it close, and must not send the next request into it.
        backend = new FakeBackend((req, out, s) -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
            return false;
        });
        lb = new LoadBalancer(TestConfigs.single(TestConfigs.pool("round-robin", backend.port())).withWorkers(1))
                .start();
        try (RawHttp c = new RawHttp(lb.port())) {
            for (int i = 0; i < 20; i++) {
                assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(200);
                Thread.sleep(5);
            }
        }
        assertThat(backend.connections()).isEqualTo(20);
    }

    @Test
    void gracefulShutdownLetsAnInFlightRequestFinish() throws Exception {
        backend = new FakeBackend((req, out, s) -> {
            try {
                Thread.sleep(800);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nslow".getBytes(StandardCharsets.ISO_8859_1));
            return true;
        });
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
        int port = lb.port();
        RawHttp idle = new RawHttp(port);
        RawHttp busy = new RawHttp(port);
        busy.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n");
        // In flight (at the backend) before the shutdown starts; a connection with nothing in flight is closed.
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.requests().size() == 1);
        CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> lb.close(Duration.ofSeconds(5)));
        RawHttp.Response r = busy.read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("slow");
        assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
        assertThat(idle.closedByPeer()).isTrue();
        closing.get(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> new RawHttp(port).send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read())
                .isInstanceOf(IOException.class);
        idle.close();
        busy.close();
        lb = null;
    }

    @Test
    void aRequestWhoseHeadWasArrivingWhenTheShutdownBeganIsAnswered() throws Exception {
        backend = FakeBackend.ok("hello");
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
        LoadBalancer stopping = lb;
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("GET / HTTP/1.1\r\nHost: h\r\n");
            // On loopback the bytes are at the proxy once sent; a task on every loop runs after the loop read them.
            idleLoops(stopping);
            CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> stopping.close(Duration.ofSeconds(5)));
            await().atMost(Duration.ofSeconds(5)).until(stopping::shuttingDown);
            idleLoops(stopping); // the shutdown's event has reached the connection
            c.send("Accept: */*\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r).as("an answer, not a connection closed under the request").isNotNull();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("hello");
            assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
            closing.get(10, TimeUnit.SECONDS);
        }
        lb = null;
    }

    /** Waits for a task on every event loop, twice; loops a finished shutdown stopped have nothing left to run. */
    private static void idleLoops(LoadBalancer lb) {
        for (int i = 0; i < 2; i++) {
            for (var loop : lb.eventLoops()) {
                try {
                    loop.submit(() -> { }).awaitUninterruptibly(5, TimeUnit.SECONDS);
                } catch (java.util.concurrent.RejectedExecutionException stopped) {
                    // The shutdown is over already: the request's connection went with it, as the test then shows.
                }
            }
        }
    }

    /** As nginx by default: TCP cannot tell a half-close from a client that gave up, which must not hold a backend. */
    @Test
    void aClientWhoseConnectionEndsBeforeItsAnswerIsGoneAndItsBackendConnectionIsClosed() throws Exception {
        CompletableFuture<Boolean> proxyHungUp = new CompletableFuture<>();
        backend = new FakeBackend((req, out, socket) -> {
            socket.setSoTimeout(10_000);
            try {
                proxyHungUp.complete(socket.getInputStream().read() < 0);
            } catch (java.net.SocketTimeoutException e) {
                proxyHungUp.complete(false);
            }
            return false;
        });
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> backend.requests().size() == 1);
            c.socket().shutdownOutput();

            assertThat(proxyHungUp.get(10, TimeUnit.SECONDS)).as("the proxy closed its backend connection").isTrue();
            c.socket().setSoTimeout(10_000);
            assertThat(c.socket().getInputStream().read()).as("no answer, the connection closed").isEqualTo(-1);
        }
    }
}
