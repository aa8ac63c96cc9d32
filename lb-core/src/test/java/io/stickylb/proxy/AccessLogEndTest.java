package io.stickylb.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stickylb.backend.BackendState;
import io.stickylb.config.AccessLogConfig;
import io.stickylb.config.LimitsConfig;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.AccessLogLines;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.Ports;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.StalledListener;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The access log says why an exchange ended without its whole answer ({@code end=}): a status alone cannot, since a
 * cut answer is logged with the backend's 200 and a client that left with no answer at all as 0.
 */
class AccessLogEndTest {

    private final AccessLogLines lines = new AccessLogLines();
    /** Lets a backend that holds its answer go once the test is done with it. */
    private final CountDownLatch release = new CountDownLatch(1);
    private FakeBackend backend;
    private LoadBalancer lb;

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        if (lb != null) {
            lb.close(Duration.ofSeconds(1));
        }
        if (backend != null) {
            backend.close();
        }
        lines.close();
    }

    @Test
    void aWholeAnswerEndsWithADash() throws Exception {
        backend = FakeBackend.ok("fine");
        start(TestConfigs.roundRobin(backend.port()));
        try (RawHttp c = new RawHttp(lb.port())) {
            assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(200);
        }
        assertThat(onlyLine()).startsWith("127.0.0.1 \"GET /\" 200 4 pool=app backend=b1 ").endsWith(" end=-");
    }

    @Test
    void anAnswerTheBackendCutShortIsLoggedWithItsStatusAndTruncated() throws Exception {
        backend = new FakeBackend((req, out, s) -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc".getBytes(StandardCharsets.US_ASCII));
            return false;
        });
        start(TestConfigs.roundRobin(backend.port()));
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
            // The head and the three bytes the backend sent, then the close that says the answer is incomplete.
            assertThat(new String(c.socket().getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                    .startsWith("HTTP/1.1 200 ").endsWith("abc");
        }
        assertThat(onlyLine()).startsWith("127.0.0.1 \"GET /\" 200 ").endsWith(" end=truncated");
    }

    @Test
    void a502NamesTheConnectFailureBehindIt() throws Exception {
        start(TestConfigs.roundRobin(Ports.closed()));
        try (RawHttp c = new RawHttp(lb.port())) {
            assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(502);
        }
        assertThat(onlyLine()).startsWith("127.0.0.1 \"GET /\" 502 16 ").endsWith(" end=connect");
    }

    @Test
    void a504NamesTheTimeout() throws Exception {
        backend = holdingBackend();
        start(TestConfigs.single(TestConfigs.withTimeouts(TestConfigs.pool("round-robin", backend.port()),
                Duration.ofSeconds(2), Duration.ofMillis(200), Duration.ofSeconds(60))));
        try (RawHttp c = new RawHttp(lb.port())) {
            assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(504);
        }
        assertThat(onlyLine()).startsWith("127.0.0.1 \"GET /\" 504 20 ").endsWith(" end=timeout");
    }

    @Test
    void a503NamesWhyNoBackendTookTheRequest() throws Exception {
        backend = FakeBackend.ok("fine");
        start(TestConfigs.roundRobin(backend.port()));
        lb.upstreams().pool("app").setState("b1", BackendState.MAINTENANCE, "test");
        try (RawHttp c = new RawHttp(lb.port())) {
            assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(503);
        }
        // The bytes are those of the body stickylb wrote ("503 Service Unavailable\n"), as for a backend's answer.
        assertThat(onlyLine()).startsWith("127.0.0.1 \"GET /\" 503 24 ").endsWith(" end=no-backend");
        try (RawHttp c = new RawHttp(lb.port())) {
            assertThat(c.send("HEAD / HTTP/1.1\r\nHost: h\r\n\r\n").read(true).status()).isEqualTo(503);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> lines.size() == 2);
        assertThat(lines.lines().get(1)).startsWith("127.0.0.1 \"HEAD /\" 503 0 ").endsWith(" end=no-backend");
    }

    @Test
    void a503ForAClientWhosePinnedBackendIsGoneIsAnAffinityRefusal() throws Exception {
        backend = FakeBackend.ok("fine");
        PoolConfig c = TestConfigs.pool("ip-hash", backend.port(), backend.port());
        start(TestConfigs.single(new PoolConfig(c.name(), c.strategy(), c.backends(), c.timeouts(), c.hash(),
                c.balanceFactor(), c.hashHeader(), c.hashCookie(), c.affinity(), c.fallback(),
                PoolConfig.OnUnavailable.FAIL, c.returnHome(), c.changeCookieOnFailure(), c.retry(), c.slowStart(),
                c.health())));
        try (RawHttp c1 = new RawHttp(lb.port())) {
            assertThat(c1.send("GET /home HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(5)).until(() -> lines.size() == 1);
            String home = lines.lines().get(0).replaceAll(".* backend=(\\S+) .*", "$1");
            lb.upstreams().pool("app").setState(home, BackendState.DOWN, "test");
            assertThat(c1.send("GET /gone HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(503);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> lines.size() == 2);
        assertThat(lines.lines().get(1)).startsWith("127.0.0.1 \"GET /gone\" 503 ")
                .endsWith(" end=affinity-refused");
    }

    @Test
    void a503AfterWaitingInLineForAConnectionIsAQueueTimeout() throws Exception {
        try (StalledListener stalled = new StalledListener()) {
            // One connect at a time to a backend that never completes one. The first request's connect times out,
            // which frees the one place for one of the two requests waiting in line; the other waited as long as a
            // connect may take and is shed with a 503, while the one that got the place fails its own connect.
            start(TestConfigs.single(TestConfigs.withTimeouts(TestConfigs.pool("round-robin", stalled.port()),
                    Duration.ofMillis(500), Duration.ofSeconds(30), Duration.ofSeconds(60)))
                    .withLimits(LimitsConfig.DEFAULTS.withMaxPendingPerBackend(1)));
            try (RawHttp first = new RawHttp(lb.port()); RawHttp second = new RawHttp(lb.port());
                 RawHttp third = new RawHttp(lb.port())) {
                first.send("GET /first HTTP/1.1\r\nHost: h\r\n\r\n");
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> lb.upstreams().pool("app").backend("b1").orElseThrow().inFlight() == 1);
                second.send("GET /second HTTP/1.1\r\nHost: h\r\n\r\n");
                third.send("GET /third HTTP/1.1\r\nHost: h\r\n\r\n");
                assertThat(first.read().status()).isEqualTo(502);
                assertThat(List.of(second.read().status(), third.read().status())).containsExactlyInAnyOrder(502, 503);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> lines.size() == 3);
            List<String> logged = lines.lines();
            assertThat(logged).filteredOn(l -> l.contains(" 502 ")).hasSize(2)
                    .allMatch(l -> l.endsWith(" end=connect"));
            assertThat(logged).filteredOn(l -> l.contains(" 503 ")).singleElement()
                    .satisfies(l -> assertThat(l).endsWith(" end=queue-timeout"));
        }
    }

    @Test
    void aClientThatLeavesBeforeItsAnswerIsLoggedAsClientClosed() throws Exception {
        backend = holdingBackend();
        start(TestConfigs.roundRobin(backend.port()));
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> backend.requests().size() == 1);
        }
        assertThat(onlyLine()).startsWith("127.0.0.1 \"GET /slow\" 0 0 pool=app backend=b1 ")
                .endsWith(" end=client-closed");
    }

    @Test
    void aRequestTheShutdownCutIsLoggedAsShutdown() throws Exception {
        backend = holdingBackend();
        start(TestConfigs.roundRobin(backend.port()));
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> backend.requests().size() == 1);
            lb.close(Duration.ofMillis(200));
            assertThat(c.closedByPeer()).isTrue();
        }
        assertThat(onlyLine()).startsWith("127.0.0.1 \"GET /slow\" 0 0 pool=app backend=b1 ")
                .endsWith(" end=shutdown");
    }

    @Test
    void jsonLinesCarryEndTooNullForAWholeAnswer() throws Exception {
        backend = new FakeBackend((req, out, s) -> {
            boolean cut = req.requestLine().startsWith("GET /cut ");
            out.write((cut ? "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"
                    : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").getBytes(StandardCharsets.US_ASCII));
            return !cut;
        });
        start(TestConfigs.roundRobin(backend.port())
                .withAccessLog(new AccessLogConfig(true, AccessLogConfig.Format.JSON)));
        try (RawHttp c = new RawHttp(lb.port())) {
            assertThat(c.send("GET /whole HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(200);
            c.send("GET /cut HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(new String(c.socket().getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                    .endsWith("abc");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> lines.size() == 2);
        assertThat(lines.lines().get(0)).contains("\"uri\":\"/whole\"").endsWith(",\"end\":null}");
        assertThat(lines.lines().get(1)).contains("\"uri\":\"/cut\"")
                .endsWith(",\"end\":\"truncated\"}");
    }

    private void start(LoadBalancerConfig config) {
        lb = new LoadBalancer(config.withAccessLog(config.accessLog().enabled() ? config.accessLog()
                : AccessLogConfig.DEFAULTS)).start();
    }

    /** The one access-log line the test's one request wrote. */
    private String onlyLine() {
        await().atMost(Duration.ofSeconds(5)).until(() -> lines.size() > 0);
        assertThat(lines.lines()).hasSize(1);
        return lines.lines().get(0);
    }

    /** A backend that reads the request and answers only once the test is over. */
    private FakeBackend holdingBackend() throws IOException {
        return new FakeBackend((req, out, s) -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return false;
        });
    }
}
