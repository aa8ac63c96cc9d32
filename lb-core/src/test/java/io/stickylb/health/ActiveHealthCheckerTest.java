package io.stickylb.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoopGroup;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.backend.BackendState;
import io.stickylb.config.ActiveHealthConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.pool.Transport;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ActiveHealthChecker} on its own, against raw-socket backends on loopback: what a check sends, that every
 * check has its own connection, TCP checks, status ranges, pending transitions and backends added or removed.
 */
class ActiveHealthCheckerTest {

    private static final Duration INTERVAL = Duration.ofMillis(200);
    /** Long enough that one slow answer from a healthy backend on a loaded host is not a failed check. */
    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    private static final int RISE = 2;
    private static final int FALL = 2;
    /** Covers the first interval plus jitter and a busy CI machine; assertions wait, they do not sleep. */
    private static final Duration MARGIN = Duration.ofSeconds(2);

    private final EventLoopGroup loops = Transport.best().newGroup(2, "health-test");
    private ActiveHealthChecker checker;

    @AfterEach
    void stop() {
        if (checker != null) {
            checker.stop();
        }
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static ActiveHealthConfig http(String host, int expectMin, int expectMax) {
        return new ActiveHealthConfig(ActiveHealthConfig.Type.HTTP, "/healthz", INTERVAL, TIMEOUT, RISE, FALL,
                expectMin, expectMax, host, Duration.ofMillis(20));
    }

    private static ActiveHealthConfig tcp() {
        return new ActiveHealthConfig(ActiveHealthConfig.Type.TCP, "/", INTERVAL, TIMEOUT, RISE, FALL, 200, 399, null,
                Duration.ofMillis(20));
    }

    private ActiveHealthChecker start(BackendPool pool, ActiveHealthConfig config) {
        checker = new ActiveHealthChecker(pool, config, loops, Transport.best());
        checker.start();
        return checker;
    }

    private static FakeBackend answering(int status) throws IOException {
        return new FakeBackend((req, out, s) -> {
            out.write(("HTTP/1.1 " + status + " X\r\nContent-Length: 2\r\n\r\nok")
                    .getBytes(StandardCharsets.ISO_8859_1));
            return true;
        });
    }

    /** Records every state change of the pool, so a test can assert that a transition never happened. */
    private static List<String> transitions(BackendPool pool) {
        List<String> seen = new CopyOnWriteArrayList<>();
        pool.addStateListener((b, from, to, reason) -> seen.add(b.id() + " " + from + "->" + to + " (" + reason + ")"));
        return seen;
    }

    @Test
    void everyCheckOpensItsOwnConnectionAndAsksToCloseIt() throws Exception {
        // Keep-alive is offered by the backend; a check must still never reuse a connection.
        try (FakeBackend backend = answering(200)) {
            BackendPool pool = new BackendPool(TestConfigs.pool("round-robin", backend.port()));
            start(pool, http(null, 200, 399));
            await().atMost(INTERVAL.multipliedBy(3).plus(MARGIN)).until(() -> backend.requests().size() >= 3);
            checker.stop();
            // A check already under way when the checker stopped completes; its request is recorded a moment after
            // its connection is counted.
            await().atMost(Duration.ofSeconds(5)).until(() -> backend.connections() == backend.requests().size());
            assertThat(backend.requests()).allSatisfy(r -> {
                assertThat(r.requestLine()).isEqualTo("GET /healthz HTTP/1.1");
                assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
                assertThat(r.header("Host")).isEqualTo("127.0.0.1:" + backend.port());
            });
            assertThat(pool.backend("b1").orElseThrow().state()).isEqualTo(BackendState.UP);
        }
    }

    @Test
    void aConfiguredHostIsSentInsteadOfTheBackendAddress() throws Exception {
        try (FakeBackend backend = answering(200)) {
            BackendPool pool = new BackendPool(TestConfigs.pool("round-robin", backend.port()));
            start(pool, http("app.internal", 200, 399));
            await().atMost(INTERVAL.plus(MARGIN)).until(() -> !backend.requests().isEmpty());
            assertThat(backend.requests().get(0).header("Host")).isEqualTo("app.internal");
        }
    }

    @Test
    void aStatusOutsideTheExpectedRangeFailsAndOneInsideItPasses() throws Exception {
        try (FakeBackend notFound = answering(404); FakeBackend alsoNotFound = answering(404)) {
            BackendPool strict = new BackendPool(TestConfigs.pool("round-robin", notFound.port()));
            start(strict, http(null, 200, 399));
            await().atMost(INTERVAL.multipliedBy(FALL + 1).plus(TIMEOUT).plus(MARGIN))
                    .until(() -> strict.backend("b1").orElseThrow().state() == BackendState.DOWN);
            assertThat(strict.backend("b1").orElseThrow().lastCheck().detail()).isEqualTo("HTTP 404");
            checker.stop();

            BackendPool lenient = new BackendPool(TestConfigs.pool("round-robin", alsoNotFound.port()));
            List<String> seen = transitions(lenient);
            start(lenient, http(null, 404, 404));
            await().atMost(INTERVAL.multipliedBy(3).plus(MARGIN)).until(() -> alsoNotFound.requests().size() >= 3);
            assertThat(lenient.backend("b1").orElseThrow().lastCheck().passed()).isTrue();
            assertThat(seen).isEmpty();
        }
    }

    @Test
    void anInterimAnswerBeforeTheFinalOneIsNotTheVerdict() throws Exception {
        // RFC 9110 §15.2: a client reads on past 1xx answers. A backend sending 103 Early Hints (or 102) before its
        // 200 is healthy; its checks took the 103 for a failed check and held it DOWN.
        assertChecksPass("HTTP/1.1 103 Early Hints\r\nLink: </app.css>; rel=preload\r\n\r\n"
                + "HTTP/1.1 102 Processing\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    }

    @Test
    void anAnswerWithAHeadTheProxyWouldRelayPassesItsCheck() throws Exception {
        // A 12 KiB head (a long Content-Security-Policy, say) is relayed to clients (heads up to 32 KiB are): its
        // checks must not hold the backend DOWN for it. They stopped at 8 KiB with "invalid HTTP answer".
        String policy = "default-src 'self'; " + "x".repeat(12 * 1024);
        assertChecksPass("HTTP/1.1 200 OK\r\nContent-Security-Policy: " + policy + "\r\nContent-Length: 2\r\n\r\nok");
    }

    /** A backend giving {@code answer} to every check passes them all and never changes state. */
    private void assertChecksPass(String answer) throws Exception {
        try (FakeBackend backend = new FakeBackend((req, out, s) -> {
            out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
            return false;
        })) {
            BackendPool pool = new BackendPool(TestConfigs.pool("round-robin", backend.port()));
            List<String> seen = transitions(pool);
            start(pool, http(null, 200, 399));
            Backend b1 = pool.backend("b1").orElseThrow();
            await().atMost(INTERVAL.multipliedBy(FALL + 2).plus(MARGIN))
                    .until(() -> b1.stats().healthChecksPassed.sum() + b1.stats().healthChecksFailed.sum() >= FALL);
            assertThat(b1.lastCheck().detail()).isEqualTo("HTTP 200");
            assertThat(b1.stats().healthChecksFailed.sum()).isZero();
            assertThat(seen).isEmpty();
        }
    }

    @Test
    void tcpChecksOnlyConnectAndNoticeAStoppedBackend() throws Exception {
        FakeBackend backend = answering(200);
        BackendPool pool = new BackendPool(TestConfigs.pool("round-robin", backend.port()));
        start(pool, tcp());
        await().atMost(INTERVAL.multipliedBy(2).plus(MARGIN)).until(() -> backend.connections() >= 2);
        assertThat(backend.requests()).isEmpty();
        assertThat(pool.backend("b1").orElseThrow().state()).isEqualTo(BackendState.UP);
        backend.close();
        await().atMost(INTERVAL.multipliedBy(FALL + 1).plus(TIMEOUT).plus(MARGIN))
                .until(() -> pool.backend("b1").orElseThrow().state() == BackendState.DOWN);
        assertThat(pool.backend("b1").orElseThrow().lastCheck().detail()).isEqualTo("connection refused");
    }

    @Test
    void failuresFewerThanFallInARowNeverMarkABackendDown() throws Exception {
        // Every other check fails: with fall 2 the pending DOWN transition never completes.
        AtomicInteger n = new AtomicInteger();
        try (FakeBackend flaky = new FakeBackend((req, out, s) -> {
            int status = n.getAndIncrement() % 2 == 0 ? 503 : 200;
            out.write(("HTTP/1.1 " + status + " X\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            return false;
        })) {
            BackendPool pool = new BackendPool(TestConfigs.pool("round-robin", flaky.port()));
            List<String> seen = transitions(pool);
            start(pool, http(null, 200, 399));
            await().atMost(INTERVAL.multipliedBy(6).plus(MARGIN)).until(() -> flaky.requests().size() >= 6);
            assertThat(seen).isEmpty();
        }
    }

    @Test
    void aDownBackendNeedsRiseSuccessesInARowToComeBack() throws Exception {
        try (FakeBackend backend = answering(200)) {
            BackendPool pool = new BackendPool(TestConfigs.pool("round-robin", backend.port()));
            pool.setHealthy("b1", false, "test");
            List<String> seen = transitions(pool);
            start(pool, http(null, 200, 399));
            await().atMost(INTERVAL.multipliedBy(RISE + 1).plus(MARGIN))
                    .until(() -> pool.backend("b1").orElseThrow().state() == BackendState.UP);
            assertThat(backend.requests()).hasSizeGreaterThanOrEqualTo(RISE);
            assertThat(seen).singleElement().asString().contains("DOWN->UP").contains("HTTP 200");
        }
    }

    @Test
    void aBackendThatRecoversByItsChecksIsNoLongerHeldOutByAPassiveEjection() throws Exception {
        // As Envoy's successful_active_health_check_uneject_host: ejected while dying, it must not stay out for the
        // rest of a (possibly doubled) ejection once its checks pass.
        try (FakeBackend backend = answering(200)) {
            BackendPool pool = new BackendPool(TestConfigs.pool("round-robin", backend.port()));
            pool.setEjected("b1", true, "passive: test, ejected for 300000ms");
            pool.setHealthy("b1", false, "test");
            start(pool, http(null, 200, 399));
            await().atMost(INTERVAL.multipliedBy(RISE + 1).plus(MARGIN))
                    .until(() -> pool.backend("b1").orElseThrow().state() == BackendState.UP);
            assertThat(pool.backend("b1").orElseThrow().ejected()).isFalse();
        }
    }

    @Test
    void backendsAddedByAReloadAreCheckedAndRemovedOnesAreNot() throws Exception {
        try (FakeBackend first = answering(200); FakeBackend second = answering(200)) {
            PoolConfig one = TestConfigs.pool("round-robin", first.port());
            BackendPool pool = new BackendPool(one);
            start(pool, http(null, 200, 399));
            await().atMost(INTERVAL.plus(MARGIN)).until(() -> !first.requests().isEmpty());

            pool.reconfigure(one.withBackends(List.of(TestConfigs.backend("b2", second.port()))));
            checker.sync();
            await().atMost(INTERVAL.multipliedBy(2).plus(MARGIN)).until(() -> second.requests().size() >= 2);
            // A check of b1 may have been in flight during the reload; after that, b1 hears nothing more.
            int b1Checks = first.requests().size();
            await().atMost(INTERVAL.multipliedBy(3).plus(MARGIN)).until(() -> second.requests().size() >= 5);
            assertThat(first.requests().size()).isLessThanOrEqualTo(b1Checks + 1);
            Backend b2 = pool.backend("b2").orElseThrow();
            assertThat(b2.lastCheck().passed()).isTrue();
        }
    }
}
