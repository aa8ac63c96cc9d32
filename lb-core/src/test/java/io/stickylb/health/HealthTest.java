package io.stickylb.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.backend.BackendState;
import io.stickylb.config.ActiveHealthConfig;
import io.stickylb.config.HealthConfig;
import io.stickylb.config.PassiveHealthConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.SampleFleet;
import io.stickylb.testing.TestConfigs;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Active checks, passive ejection and slow start against real backends on loopback. */
class HealthTest {

    private static final Duration INTERVAL = Duration.ofMillis(200);
    /** Long enough that one slow answer from a healthy backend on a loaded host is not a failed check. */
    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    private final SampleFleet backends = new SampleFleet();
    private LoadBalancer lb;

    @AfterEach
    void stop() {
        if (lb != null) {
            lb.close(Duration.ofSeconds(1));
        }
        backends.close();
    }

    private int[] startBackends(int n) {
        return backends.start(n);
    }

    private static ActiveHealthConfig active(ActiveHealthConfig.Type type) {
        return new ActiveHealthConfig(type, "/health", INTERVAL, TIMEOUT, 2, 2, 200, 399, null, Duration.ofMillis(20));
    }

    private LoadBalancer start(PoolConfig pool) {
        lb = new LoadBalancer(TestConfigs.single(pool)).start();
        return lb;
    }

    private Backend backend(String id) {
        return lb.upstreams().pool("app").backend(id).orElseThrow();
    }

    @Test
    void aBackendAnswering503IsDownWithinFallTimesIntervalAndUpAgainAfterRise() {
        int[] ports = startBackends(3);
        start(TestConfigs.pool("round-robin", ports).withHealth(new HealthConfig(active(ActiveHealthConfig.Type.HTTP),
                PassiveHealthConfig.DEFAULTS, 50)));
        backends.get(1).setHealthy(false);
        // fall (2) x interval + timeout, plus the first interval and jitter, plus a margin for a busy machine.
        Duration bound = INTERVAL.multipliedBy(3).plus(TIMEOUT).plusSeconds(2);
        await().atMost(bound).until(() -> backend("b2").state() == BackendState.DOWN);
        assertThat(backend("b2").lastCheck().detail()).isEqualTo("HTTP 503");
        assertThat(backend("b1").state()).isEqualTo(BackendState.UP);
        backends.get(1).setHealthy(true);
        await().atMost(INTERVAL.multipliedBy(3).plusSeconds(2)).until(() -> backend("b2").state() == BackendState.UP);
    }

    @Test
    void aStoppedBackendGoesDownAndTrafficAvoidsIt() throws Exception {
        int[] ports = startBackends(3);
        start(TestConfigs.pool("round-robin", ports).withHealth(new HealthConfig(active(ActiveHealthConfig.Type.TCP),
                PassiveHealthConfig.DEFAULTS, 50)));
        backends.get(2).stop();
        await().atMost(Duration.ofSeconds(10)).until(() -> backend("b3").state() == BackendState.DOWN);
        assertThat(backend("b3").lastCheck().detail()).isEqualTo("connection refused");
        try (RawHttp c = new RawHttp(lb.port())) {
            for (int i = 0; i < 10; i++) {
                assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().header("X-Backend-Id"))
                        .isNotEqualTo("b3");
            }
        }
    }

    @Test
    void aBackendThatNeverAnswersGoesDownByTimeoutAndChecksNeverUsePooledConnections() throws Exception {
        try (FakeBackend silent = new FakeBackend((req, out, s) -> {
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return false;
        })) {
            start(TestConfigs.pool("round-robin", silent.port()).withHealth(new HealthConfig(
                    active(ActiveHealthConfig.Type.HTTP), PassiveHealthConfig.DEFAULTS, 0)));
            await().atMost(Duration.ofSeconds(10)).until(() -> backend("b1").state() == BackendState.DOWN);
            assertThat(backend("b1").lastCheck().detail()).startsWith("timeout");
            assertThat(silent.requests()).allSatisfy(r -> {
                assertThat(r.requestLine()).isEqualTo("GET /health HTTP/1.1");
                assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
            });
        }
    }

    @Test
    void aKilledBackendIsEjectedPassivelyBeforeAnyActiveCheckAndClientsSeeNoErrors() throws Exception {
        int[] ports = startBackends(3);
        PassiveHealthConfig passive = new PassiveHealthConfig(true, 3, Duration.ofSeconds(30), Duration.ofMinutes(5),
                50, false);
        // Active checks every minute: they cannot be what notices the failure.
        ActiveHealthConfig slow = new ActiveHealthConfig(ActiveHealthConfig.Type.HTTP, "/health", Duration.ofMinutes(1),
                TIMEOUT, 2, 2, 200, 399, null, Duration.ZERO);
        start(TestConfigs.pool("round-robin", ports).withHealth(new HealthConfig(slow, passive, 50)));
        backends.get(0).stop();
        try (RawHttp c = new RawHttp(lb.port())) {
            for (int i = 0; i < 30; i++) {
                assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(200);
            }
        }
        assertThat(backend("b1").state()).isEqualTo(BackendState.DOWN);
        assertThat(backend("b1").ejected()).isTrue();
        assertThat(backend("b1").healthy()).isTrue();
        assertThat(backend("b1").stats().ejections.sum()).isEqualTo(1);
    }

    @Test
    void ejectionEndsAfterItsTimeAndARepeatLastsTwiceAsLong() throws Exception {
        try (FakeBackend ok = FakeBackend.ok("ok")) {
            BackendPool pool = new BackendPool(TestConfigs.pool("round-robin", ok.port(), ok.port() + 0, ok.port())
                    .withBackends(List.of(TestConfigs.backend("a", ok.port()), TestConfigs.backend("b", ok.port()),
                            TestConfigs.backend("c", ok.port()), TestConfigs.backend("d", ok.port()))));
            java.util.concurrent.ScheduledExecutorService sched = java.util.concurrent.Executors
                    .newSingleThreadScheduledExecutor();
            try {
                OutlierDetector d = new OutlierDetector(pool, new PassiveHealthConfig(true, 2, Duration.ofMillis(300),
                        Duration.ofSeconds(10), 50, false), sched);
                Backend a = pool.backend("a").orElseThrow();
                d.failure(a, io.stickylb.metrics.ErrorKind.CONNECT);
                d.response(a, 200);
                d.failure(a, io.stickylb.metrics.ErrorKind.CONNECT);
                assertThat(a.ejected()).as("a success in between resets the count").isFalse();
                d.failure(a, io.stickylb.metrics.ErrorKind.CONNECT);
                assertThat(a.ejected()).isTrue();
                long t0 = System.nanoTime();
                await().atMost(Duration.ofSeconds(2)).until(() -> !a.ejected());
                long first = (System.nanoTime() - t0) / 1_000_000;
                d.failure(a, io.stickylb.metrics.ErrorKind.RESET);
                d.failure(a, io.stickylb.metrics.ErrorKind.RESET);
                assertThat(a.ejected()).isTrue();
                assertThat(d.ejections(a)).isEqualTo(2);
                long t1 = System.nanoTime();
                await().atMost(Duration.ofSeconds(3)).until(() -> !a.ejected());
                long second = (System.nanoTime() - t1) / 1_000_000;
                assertThat(first).isGreaterThanOrEqualTo(250);
                assertThat(second).isGreaterThanOrEqualTo(550);
            } finally {
                sched.shutdownNow();
            }
        }
    }

    @Test
    void maxEjectionPercentKeepsHalfOfThePoolInService() {
        BackendPool pool = new BackendPool(TestConfigs.pool("round-robin", 1, 2, 3, 4));
        java.util.concurrent.ScheduledExecutorService sched = java.util.concurrent.Executors
                .newSingleThreadScheduledExecutor();
        try {
            OutlierDetector d = new OutlierDetector(pool, new PassiveHealthConfig(true, 1, Duration.ofSeconds(30),
                    Duration.ofMinutes(1), 50, false), sched);
            for (Backend b : pool.backends()) {
                d.failure(b, io.stickylb.metrics.ErrorKind.CONNECT);
            }
            assertThat(pool.backends().stream().filter(Backend::ejected).count()).isEqualTo(2);
        } finally {
            sched.shutdownNow();
        }
    }

    @Test
    void slowStartRampsTheWeightOfARecoveredBackendEvenAtTheDefaultWeight() {
        BackendPool pool = new BackendPool(TestConfigs.pool("round-robin", 1, 2));
        long[] now = {0};
        var sched = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try {
            SlowStart s = new SlowStart(pool, Duration.ofSeconds(10), sched, () -> now[0]);
            s.start();
            Backend a = pool.backends().get(0);
            assertThat(a.weight()).isEqualTo(1);
            pool.setState(a.id(), BackendState.DOWN, "test");
            pool.setState(a.id(), BackendState.UP, "test");
            assertThat(a.effectiveWeight()).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(a.weight()).as("hash tables keep the full weight").isEqualTo(1);
            now[0] = 5_000;
            s.tick();
            assertThat(a.effectiveWeight()).isCloseTo(0.55, org.assertj.core.data.Offset.offset(1e-9));
            now[0] = 10_000;
            s.tick();
            assertThat(a.effectiveWeight()).isEqualTo(1.0);

            // Back from maintenance (an operator's restart) ramps too; after stop() the pool is no longer watched.
            pool.setAdminState(a.id(), io.stickylb.backend.AdminState.MAINTENANCE, "test");
            pool.setAdminState(a.id(), io.stickylb.backend.AdminState.ENABLED, "test");
            assertThat(a.effectiveWeight()).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-9));
            s.stop();
            assertThat(a.effectiveWeight()).isEqualTo(1.0);
            pool.setState(a.id(), BackendState.DOWN, "test");
            pool.setState(a.id(), BackendState.UP, "test");
            assertThat(a.effectiveWeight()).as("a stopped slow start leaves the backend alone").isEqualTo(1.0);
        } finally {
            sched.shutdownNow();
        }
    }

    @Test
    void aSlowStartStoppedMidRampGivesTheBackendItsFullShareAtOnce() {
        // A reload that turns slow start off or changes the health settings stops the ramp. Round robin builds its
        // schedule per published snapshot, so the full weight must be published: b2 kept a tenth of its share until
        // some unrelated change, while the admin API and /metrics already showed its full weight.
        BackendPool pool = new BackendPool(TestConfigs.pool("round-robin", 1, 2));
        var sched = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try {
            SlowStart s = new SlowStart(pool, Duration.ofHours(1), sched, () -> 0L);
            s.start();
            pool.setAdminState("b2", io.stickylb.backend.AdminState.MAINTENANCE, "test");
            pool.setAdminState("b2", io.stickylb.backend.AdminState.ENABLED, "test");
            s.tick();
            assertThat(picks(pool, 22)).filteredOn("b2"::equals).hasSizeLessThan(5);

            s.stop();

            assertThat(pool.backend("b2").orElseThrow().effectiveWeight()).isEqualTo(1.0);
            assertThat(picks(pool, 20)).filteredOn("b2"::equals).hasSize(10);
        } finally {
            sched.shutdownNow();
        }
    }

    private static List<String> picks(BackendPool pool, int n) {
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(pool.strategy().choose(new io.stickylb.routing.RequestContext(pool, null,
                    java.net.InetAddress.getLoopbackAddress())).id());
        }
        return ids;
    }

    @Test
    void panicModeSpreadsTrafficWhenTooFewBackendsAreHealthy() {
        BackendPool pool = new BackendPool(TestConfigs.pool("round-robin", 1, 2, 3, 4));
        pool.setState("b1", BackendState.DOWN, "test");
        assertThat(pool.snapshot().panic()).isFalse();
        pool.setState("b2", BackendState.DOWN, "test");
        pool.setState("b3", BackendState.DOWN, "test");
        assertThat(pool.snapshot().panic()).isTrue();
        assertThat(pool.snapshot().available()).hasSize(4);
        pool.setState("b4", BackendState.MAINTENANCE, "test");
        assertThat(pool.snapshot().available()).extracting(Backend::id).containsExactly("b1", "b2", "b3");
    }

}
