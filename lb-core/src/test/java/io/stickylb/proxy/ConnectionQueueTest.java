package io.stickylb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.backend.Backend;
import io.stickylb.config.BackendConfig;
import io.stickylb.config.LimitsConfig;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.config.RetryConfig;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.StalledListener;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Requests beyond {@code max-pending-per-backend} connects in flight wait in line for a connection, at most the
 * connect timeout, instead of being answered 503 at once. The backend here is a {@link StalledListener}: the kernel
 * drops the proxy's handshake, so its connect stays open until the test lets the backend answer (the client
 * retransmits its SYN after a second) or the connect timeout passes.
 */
class ConnectionQueueTest {

    private static final String GET = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
    private static final Duration RELOAD_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final ExecutorService clients = Executors.newCachedThreadPool();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private LoadBalancer lb;
    /** The backend the test started with (a reload may remove it). */
    private Backend b1;

    @AfterEach
    void stop() throws Exception {
        if (lb != null) {
            lb.close();
        }
        clients.shutdownNow();
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    @Test
    void aBurstBeyondTheConnectLimitWaitsForConnectionsAndIsServedInFull() throws Exception {
        StalledListener stalled = new StalledListener();
        toClose.add(stalled);
        start(stalled.port(), Duration.ofSeconds(10));
        List<Future<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            answers.add(clients.submit(() -> statusOf(GET)));
        }
        // One connect is open (and stuck); the other five wait in line rather than being answered 503.
        awaitTrue(() -> b1.waitingRequests() == 5, "five requests waiting");
        assertThat(b1.pendingConnects()).isEqualTo(1);
        // A client that gives up while in line leaves it, and its request never reaches the backend.
        RawHttp leaving = new RawHttp(lb.port()).send(GET);
        awaitTrue(() -> b1.waitingRequests() == 6, "the leaving client in line");
        leaving.close();
        awaitTrue(() -> b1.waitingRequests() == 5, "the leaving client out of line");

        stalled.close();
        FakeBackend backend = new FakeBackend((req, out, s) -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi".getBytes(StandardCharsets.ISO_8859_1));
            return true;
        }, false, stalled.port());
        toClose.add(backend);
        for (Future<Integer> a : answers) {
            assertThat(a.get(15, TimeUnit.SECONDS)).isEqualTo(200);
        }
        awaitTrue(() -> b1.waitingRequests() == 0, "nobody waiting");
        assertThat(backend.requests()).hasSize(6);
        assertThat(b1.stats().queued.sum()).isEqualTo(6);
        assertThat(b1.stats().queueTimeouts.sum()).isZero();
    }

    @Test
    void aRequestWaitingLongerThanTheConnectTimeoutIsAnswered503AndNothingHangs() throws Exception {
        StalledListener stalled = new StalledListener();
        toClose.add(stalled);
        // Long enough that all four requests are in before the first connect fails (a request arriving after that
        // finds the slot free and never waits): on a loaded CI host 400 ms was not.
        start(stalled.port(), Duration.ofSeconds(3));
        List<Future<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            answers.add(clients.submit(() -> statusOf(GET)));
        }
        awaitTrue(() -> b1.waitingRequests() == 3, "three requests waiting");
        assertThat(b1.pendingConnects()).isEqualTo(1);
        List<Integer> statuses = new ArrayList<>();
        for (Future<Integer> a : answers) {
            statuses.add(a.get(10, TimeUnit.SECONDS));
        }
        // The connect that was open fails (502); a waiter either times out in line (503) or, freed by that failure
        // just before its own time is up, tries a connect of its own, which fails like the first (502).
        assertThat(statuses).containsOnly(502, 503).contains(502, 503);
        assertThat(statuses.stream().filter(s -> s == 503).count()).isEqualTo(b1.stats().queueTimeouts.sum());
        assertThat(b1.stats().queued.sum()).isEqualTo(3);
        awaitTrue(() -> b1.waitingRequests() == 0 && b1.pendingConnects() == 0, "nothing waiting or connecting");
    }

    @Test
    void requestsWaitingForABackendAReloadRemovesChooseAgainAndAreServedByWhatTheReloadBrought() throws Exception {
        StalledListener stalled = new StalledListener();
        List<Future<Integer>> answers = behindAStalledConnect(stalled, 4);
        FakeBackend b2 = new FakeBackend((req, out, s) -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nb2".getBytes(StandardCharsets.ISO_8859_1));
            return true;
        });
        toClose.add(b2);

        lb.reload(config("app", List.of(TestConfigs.backend("b2", b2.port())), RELOAD_CONNECT_TIMEOUT));

        // The three in line go to b2 at once, long before b1's connect could time out; nobody waits for b1 any more.
        awaitTrue(() -> answers.stream().filter(Future::isDone).count() == 3, "three answered");
        assertThat(answers.stream().filter(Future::isDone).map(ConnectionQueueTest::statusOf)).containsOnly(200);
        assertThat(b2.requests()).hasSize(3);
        assertThat(b1.waitingRequests()).isZero();
        assertThat(b1.stats().queueTimeouts.sum()).isZero();
        // The connect already under way went on to the old address, and fails there on its own terms.
        stalled.close();
        assertThat(answers.stream().filter(a -> !a.isDone()).findFirst().orElseThrow().get(15, TimeUnit.SECONDS))
                .isEqualTo(502);
    }

    @Test
    void aRequestWaitingInAPoolTheReloadRemovedWholeIsAnswered503() throws Exception {
        StalledListener stalled = new StalledListener();
        List<Future<Integer>> answers = behindAStalledConnect(stalled, 2);

        // Its pool is gone: nothing is left to choose, and no attempt failed (503, not 502).
        lb.reload(config("other", List.of(TestConfigs.backend("b2", stalled.port())), RELOAD_CONNECT_TIMEOUT));

        awaitTrue(() -> answers.stream().filter(Future::isDone).count() == 1, "the waiter answered");
        assertThat(answers.stream().filter(Future::isDone).map(ConnectionQueueTest::statusOf)).containsOnly(503);
        assertThat(b1.waitingRequests()).isZero();
        assertThat(b1.stats().queueTimeouts.sum()).isZero();
        // No backend answered it: counted where /metrics shows it, not on b1, whose series the reload removed.
        assertThat(b1.stats().responses(5)).isZero();
        assertThat(lb.scrapeMetrics()).contains("stickylb_local_responses_total{status=\"503\"} 1.0");
    }

    @Test
    void aConnectionPooledAfterItsClientLeftLeavesThePoolWhenTheBackendClosesIt() throws Exception {
        StalledListener stalled = new StalledListener();
        toClose.add(stalled);
        start(stalled.port(), RELOAD_CONNECT_TIMEOUT);
        RawHttp leaving = new RawHttp(lb.port()).send(GET);
        awaitTrue(() -> b1.pendingConnects() == 1, "the connect open");
        leaving.close();
        awaitTrue(() -> b1.inFlight() == 0, "the request ended with its client");

        // The connect goes through after all (the SYN is retransmitted): unused, it is pooled.
        stalled.close();
        FakeBackend backend = new FakeBackend((req, out, s) -> true, false, stalled.port());
        toClose.add(backend);
        awaitTrue(() -> b1.stats().idleConnections.get() == 1, "the late connection pooled");

        // The backend closes it while it is idle: it must leave the pool like any other pooled connection, or the
        // gauge shows it for good and the dead entry holds one of the backend's idle places.
        backend.close();
        awaitTrue(() -> b1.stats().idleConnections.get() == 0, "the closed connection out of the pool");
    }

    /**
     * Starts b1 on {@code stalled} and sends {@code requests} requests: the first one's connect hangs, the others wait
     * in line behind it, for longer than these tests take.
     */
    private List<Future<Integer>> behindAStalledConnect(StalledListener stalled, int requests) throws Exception {
        toClose.add(stalled);
        start(stalled.port(), RELOAD_CONNECT_TIMEOUT);
        List<Future<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            answers.add(clients.submit(() -> statusOf(GET)));
        }
        awaitTrue(() -> b1.waitingRequests() == requests - 1, (requests - 1) + " request(s) waiting");
        return answers;
    }

    /** One backend, b1, on {@code port}, one connect at a time, no retries (there is nowhere else to go). */
    private void start(int port, Duration connectTimeout) {
        lb = new LoadBalancer(config("app", List.of(TestConfigs.backend("b1", port)), connectTimeout)).start();
        b1 = lb.upstreams().pool("app").backend("b1").orElseThrow();
    }

    /** One pool of {@code backends}, round robin, one connect at a time per backend, no retries. */
    private static LoadBalancerConfig config(String pool, List<BackendConfig> backends, Duration connectTimeout) {
        PoolConfig base = TestConfigs.withTimeouts(PoolConfig.of(pool, "round-robin", backends), connectTimeout,
                Duration.ofSeconds(10), Duration.ofSeconds(30));
        PoolConfig noRetries = new PoolConfig(base.name(), base.strategy(), base.backends(), base.timeouts(), null, 0,
                null, null, null, null, null, null, true, new RetryConfig(0, Set.of(), false, 0), null, null);
        return TestConfigs.single(noRetries).withLimits(LimitsConfig.DEFAULTS.withMaxPendingPerBackend(1));
    }

    private static int statusOf(Future<Integer> answer) {
        try {
            return answer.get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private int statusOf(String request) throws IOException {
        try (RawHttp c = new RawHttp(lb.port())) {
            return c.send(request).read().status();
        }
    }

    private void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for: %s (b1: waiting %d, connecting %d, in flight %d)", what,
                    b1.waitingRequests(), b1.pendingConnects(), b1.inFlight()).isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
