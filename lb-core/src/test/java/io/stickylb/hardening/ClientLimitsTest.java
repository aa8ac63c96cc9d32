package io.stickylb.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.stickylb.config.LimitsConfig;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.config.RouteConfig;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/** Client-side limits: slow heads, too many connections, bodies too large, idle keep-alive connections. */
class ClientLimitsTest {

    private FakeBackend backend;
    private LoadBalancer lb;

    @BeforeEach
    void start() throws IOException {
        backend = FakeBackend.ok("ok");
        restartProxy(Duration.ofMillis(400), Duration.ofMillis(800));
    }

    /** A proxy with these head and idle timeouts (and at most three clients) in place of the one running. */
    private void restartProxy(Duration headerTimeout, Duration idleTimeout) {
        if (lb != null) {
            lb.close(Duration.ofSeconds(1));
        }
        LimitsConfig limits = new LimitsConfig(8192, 16384, 100, 1000, headerTimeout, idleTimeout, 3, 16);
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port()).withLimits(limits)).start();
    }

    @AfterEach
    void stop() throws IOException {
        lb.close(Duration.ofSeconds(1));
        backend.close();
    }

    @Test
    void aClientThatSendsItsHeadTooSlowlyGets408AndIsClosed() throws Exception {
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("GET / HTTP/1.1\r\nHo");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(408);
            assertThat(c.closedByPeer()).isTrue();
        }
        assertThat(backend.requests()).isEmpty();
    }

    @Test
    void aSlowlorisDrippingHeaderLinesIsCutOffByTheHeadDeadlineNotRefreshedByEachByte() throws Exception {
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("GET / HTTP/1.1\r\n");
            RawHttp.Response r = null;
            for (int i = 0; i < 20 && r == null; i++) {
                try {
                    c.send("X-" + i + ": a\r\n");
                    c.socket().setSoTimeout(100);
                    r = c.read();
                } catch (java.net.SocketTimeoutException e) {
                    // keep dripping
                } catch (IOException e) {
                    break;
                }
            }
            assertThat(r).isNotNull();
            assertThat(r.status()).isEqualTo(408);
        }
    }

    @ParameterizedTest(name = "{0} bytes of one unfinished field")
    @ValueSource(ints = {17_000, 24_000})
    void anUnfinishedHeadAlreadyOverMaxHeaderSizeGets431AtOnceNot408AtTheHeadTimeout(int size) throws Exception {
        try (RawHttp c = new RawHttp(lb.port())) {
            // No blank line ever comes: only the size can decide, and 16384 bytes of fields are already too many.
            RawHttp.Response r = c.send("GET / HTTP/1.1\r\nHost: h\r\nX: " + "x".repeat(size)).read();
            assertThat(r.status()).isEqualTo(431);
            assertThat(c.closedByPeer()).isTrue();
        }
        assertThat(backend.requests()).isEmpty();
    }

    @Test
    void aConnectionThatHasSentNothingPastTheHeadTimeoutIsIdleNotSlowAndIsServed() throws Exception {
        // An idle timeout far past the head timeout, so a late test thread cannot sleep into it.
        restartProxy(Duration.ofMillis(400), Duration.ofSeconds(5));
        try (RawHttp c = new RawHttp(lb.port())) {
            Thread.sleep(1000); // past header-timeout (400 ms), before idle-timeout (5 s)
            RawHttp.Response r = c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
        }
    }

    @Test
    void aConnectionThatNeverSendsIsClosedSilentlyAtTheIdleTimeout() throws Exception {
        try (RawHttp c = new RawHttp(lb.port())) {
            c.socket().setSoTimeout(5000);
            int first = c.socket().getInputStream().read();
            assertThat(first).as("no unsolicited response, just a close").isEqualTo(-1);
        }
    }

    @Test
    void connectionsBeyondTheLimitAreRefusedWithout503HarmingTheOthers() throws Exception {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        Logger logger = (Logger) LoggerFactory.getLogger("io.stickylb.server.ClientConnections");
        logger.addAppender(logs);
        // Connections a, b and c must stay open through the refusals and the scrape, however slow the host.
        restartProxy(Duration.ofMillis(400), Duration.ofSeconds(30));
        try (RawHttp a = new RawHttp(lb.port()); RawHttp b = new RawHttp(lb.port());
                RawHttp c = new RawHttp(lb.port())) {
            assertThat(a.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(200);
            assertThat(b.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(200);
            assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(200);
            for (int i = 0; i < 5; i++) {
                try (RawHttp d = new RawHttp(lb.port())) {
                    RawHttp.Response r = d.read();
                    assertThat(r.status()).isEqualTo(503);
                    assertThat(d.closedByPeer()).isTrue();
                }
            }
            assertThat(a.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(200);

            System.gc(); // Micrometer holds a meter's supplier weakly: the counts must outlive a collection
            String metrics = lb.scrapeMetrics();
            assertThat(metrics).contains("stickylb_client_connections 3.0",
                    "stickylb_client_connections_accepted_total 3.0", "stickylb_client_connections_refused_total 5.0");
            assertThat(logs.list).as("five refusals within the summary interval: one warning so far").singleElement()
                    .extracting(ILoggingEvent::getFormattedMessage).asString()
                    .startsWith("refusing connection from /127.0.0.1:");
        } finally {
            logger.detachAppender(logs);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(lb.scrapeMetrics()).contains("stickylb_client_connections 0.0"));
    }

    @Test
    void aDeclaredBodyOverTheLimitGets413BeforeAnythingIsForwarded() throws Exception {
        try (RawHttp c = new RawHttp(lb.port())) {
            RawHttp.Response r = c.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5000\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(c.closedByPeer()).isTrue();
        }
        assertThat(backend.requests()).isEmpty();
    }

    @Test
    void aChunkedBodyGrowingOverTheLimitGets413() throws Exception {
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
            String chunk = "x".repeat(600);
            c.send(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
            c.send(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n0\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(413);
        }
    }

    @Test
    void idleKeepAliveConnectionsAreClosedAfterTheIdleTimeout() throws Exception {
        try (RawHttp c = new RawHttp(lb.port())) {
            // Taken before the request: the idle timer starts when the answer is written, however late we read it.
            long t0 = System.nanoTime();
            assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(200);
            assertThat(c.closedByPeer()).isTrue();
            assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(750);
        }
    }

    @Test
    void aHeadArrivingSlowlyButWithinTheHeadTimeoutIsNotClosedAsIdle() throws Exception {
        // The head takes three idle timeouts to arrive, well within the head timeout: from its first byte the
        // connection is receiving a request, not idle, and header-timeout alone bounds it.
        restartProxy(Duration.ofSeconds(10), Duration.ofMillis(500));
        try (RawHttp c = new RawHttp(lb.port())) {
            assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(200);
            c.send("GET / HTTP/1.1\r\n");
            for (int i = 0; i < 6; i++) {
                Thread.sleep(250);
                c.send("X-" + i + ": a\r\n");
            }
            RawHttp.Response r = c.send("Host: h\r\n\r\n").read();
            assertThat(r).as("an answer (none: the connection was closed as idle mid-head)").isNotNull();
            assertThat(r.status()).isEqualTo(200);
        }
    }

    @Test
    void aConnectionWhoseRequestsAreAnswered404IsBusyNotIdle() throws Exception {
        lb.close(Duration.ofSeconds(1));
        LimitsConfig limits = new LimitsConfig(8192, 16384, 100, 1000, Duration.ofMillis(400), Duration.ofMillis(800),
                3, 16);
        PoolConfig pool = TestConfigs.pool("round-robin", backend.port());
        LoadBalancerConfig base = TestConfigs.single(pool);
        lb = new LoadBalancer(new LoadBalancerConfig(null, base.listen(), 1, Map.of("app", pool),
                List.of(new RouteConfig("*", "/app", "app")), null, null, base.accessLog(), limits, null)).start();
        try (RawHttp c = new RawHttp(lb.port())) {
            // A request every 300 ms for three idle timeouts: the connection is never idle for 800 ms.
            for (int i = 0; i < 8; i++) {
                RawHttp.Response r = c.send("GET /elsewhere HTTP/1.1\r\nHost: h\r\n\r\n").read();
                assertThat(r).as("the answer to request %d (none: the connection was closed as idle)", i).isNotNull();
                assertThat(r.status()).isEqualTo(404);
                Thread.sleep(300);
            }
            assertThat(c.send("GET /app HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(200);
        }
    }
}
