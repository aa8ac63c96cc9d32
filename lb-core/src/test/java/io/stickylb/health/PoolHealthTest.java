package io.stickylb.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.channel.EventLoopGroup;
import io.stickylb.backend.AdminState;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.backend.BackendState;
import io.stickylb.backend.RequestOutcomeListener;
import io.stickylb.config.ActiveHealthConfig;
import io.stickylb.config.HealthConfig;
import io.stickylb.config.PassiveHealthConfig;
import io.stickylb.metrics.ErrorKind;
import io.stickylb.pool.Transport;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.TestConfigs;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** {@link PoolHealth} as the facade of one pool: outcome wiring, panic-mode logging and counting. */
class PoolHealthTest {

    private final EventLoopGroup loops = Transport.best().newGroup(1, "pool-health-test");
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(PoolHealth.class);

    @BeforeEach
    void captureLogs() {
        logs.start();
        logger.addAppender(logs);
    }

    @AfterEach
    void stop() {
        logger.detachAppender(logs);
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void thePoolReportsOutcomesToItsOutlierDetectorUntilStopped() {
        BackendPool pool = new BackendPool(TestConfigs.pool("round-robin", 1, 2, 3));
        PoolHealth health = PoolHealth.start(pool, loops, Transport.best());
        assertThat(pool.outcomes()).isSameAs(health.passive()).isInstanceOf(OutlierDetector.class);
        health.stop();
        assertThat(pool.outcomes()).isSameAs(RequestOutcomeListener.NONE);
    }

    @Test
    void enteringPanicModeIsLoggedAtWarnAndCounted() {
        // Default panic threshold 50%: one UP backend of three is too few.
        BackendPool pool = new BackendPool(TestConfigs.pool("round-robin", 1, 2, 3));
        PoolHealth health = PoolHealth.start(pool, loops, Transport.best());
        try {
            pool.setState("b1", BackendState.DOWN, "test");
            assertThat(health.panics()).isZero();
            pool.setState("b2", BackendState.DOWN, "test");
            assertThat(pool.snapshot().panic()).isTrue();
            assertThat(health.panics()).isEqualTo(1);
            pool.setState("b3", BackendState.DOWN, "test");
            assertThat(health.panics()).as("still the same panic").isEqualTo(1);
            pool.setState("b1", BackendState.UP, "test");
            pool.setState("b2", BackendState.UP, "test");
            assertThat(pool.snapshot().panic()).isFalse();
            pool.setState("b2", BackendState.DOWN, "test");
            assertThat(health.panics()).isEqualTo(2);
        } finally {
            health.stop();
        }
        assertThat(logs.list).filteredOn(e -> e.getFormattedMessage().contains("entered panic mode"))
                .hasSize(2)
                .allSatisfy(e -> {
                    assertThat(e.getLevel()).isEqualTo(Level.WARN);
                    assertThat(e.getFormattedMessage()).contains("pool app");
                });
        assertThat(logs.list).filteredOn(e -> e.getFormattedMessage().contains("left panic mode")).hasSize(1);
    }

    @Test
    void aDrainingBackendIsHealthySoADrainNeverSendsNewClientsToADeadBackend() {
        BackendPool pool = new BackendPool(TestConfigs.pool("round-robin", 1, 2, 3));
        PoolHealth health = PoolHealth.start(pool, loops, Transport.best());
        try {
            pool.setState("b3", BackendState.DOWN, "test");
            pool.setState("b2", BackendState.DRAINING, "operator");

            assertThat(pool.snapshot().panic()).as("two of three healthy, one of them draining").isFalse();
            assertThat(pool.snapshot().available()).extracting(b -> b.id()).containsExactly("b1");
            pool.setState("b1", BackendState.DOWN, "test");
            assertThat(pool.snapshot().panic()).as("one of three healthy").isTrue();
            assertThat(pool.snapshot().available()).as("the UP and DOWN ones, never the drained one")
                    .extracting(b -> b.id()).containsExactly("b1", "b3");
        } finally {
            health.stop();
        }
    }

    @Test
    void aBackendThatFailsAgainSoonAfterItsChecksLiftedItsEjectionIsEjectedForTwiceAsLong() throws Exception {
        // The lift ended the ejection early; its scheduled end had not come, so the detector never learnt when it
        // ended and took the backend for one healthy since the epoch: the doubling started over at the base time.
        try (FakeBackend backend = FakeBackend.ok("ok")) {
            BackendPool pool = checkedAndEjecting(backend.port(), Duration.ofSeconds(30));
            List<String> seen = new CopyOnWriteArrayList<>();
            pool.addStateListener((b, from, to, reason) -> seen.add(from + "->" + to + ": " + reason));
            PoolHealth health = PoolHealth.start(pool, loops, Transport.best());
            try {
                Backend b1 = pool.backend("b1").orElseThrow();
                health.passive().failure(b1, ErrorKind.CONNECT);
                assertThat(b1.ejected()).isTrue();
                // Its checks hold it DOWN for a moment (as for a restarted server), then bring it back.
                pool.setHealthy("b1", false, "test: active check failed");
                await().atMost(Duration.ofSeconds(10)).until(() -> b1.state() == BackendState.UP);
                assertThat(b1.ejected()).isFalse();
                health.passive().failure(b1, ErrorKind.CONNECT);
                assertThat(b1.ejected()).isTrue();
                assertThat(health.passive().ejections(b1)).isEqualTo(2);
                assertThat(seen).filteredOn(r -> r.startsWith("UP->DOWN")).last().asString()
                        .contains("ejected for 60000ms");
            } finally {
                health.stop();
            }
        }
    }

    @Test
    void anEjectionItsChecksLiftWhileTheBackendIsInMaintenanceIsLoggedAsEnded() throws Exception {
        // README: every ejection and its end is logged, also when the backend's state does not change. In
        // maintenance the lift changes no state, so the pool's own transition log says nothing about it.
        ListAppender<ILoggingEvent> detectorLogs = new ListAppender<>();
        Logger detectorLogger = (Logger) LoggerFactory.getLogger(OutlierDetector.class);
        detectorLogs.start();
        detectorLogger.addAppender(detectorLogs);
        try (FakeBackend backend = FakeBackend.ok("ok")) {
            BackendPool pool = checkedAndEjecting(backend.port(), Duration.ofMinutes(1));
            PoolHealth health = PoolHealth.start(pool, loops, Transport.best());
            try {
                Backend b1 = pool.backend("b1").orElseThrow();
                pool.setAdminState("b1", AdminState.MAINTENANCE, "test: operator");
                health.passive().failure(b1, ErrorKind.RESET);
                assertThat(b1.ejected()).isTrue();
                pool.setHealthy("b1", false, "test: active check failed");
                await().atMost(Duration.ofSeconds(10)).until(() -> !b1.ejected());
                assertThat(b1.state()).isEqualTo(BackendState.MAINTENANCE);
                assertThat(detectorLogs.list).extracting(ILoggingEvent::getFormattedMessage)
                        .anySatisfy(m -> assertThat(m).contains("app/b1 stays MAINTENANCE")
                                .contains("passive ejection lifted"));
            } finally {
                health.stop();
            }
        } finally {
            detectorLogger.detachAppender(detectorLogs);
        }
    }

    /** Three backends on {@code port}, checked every 100 ms (rise 1, fall 2) and ejected for {@code ejection}. */
    private static BackendPool checkedAndEjecting(int port, Duration ejection) {
        ActiveHealthConfig checks = new ActiveHealthConfig(ActiveHealthConfig.Type.HTTP, "/health",
                Duration.ofMillis(100), Duration.ofSeconds(1), 1, 2, 200, 399, null, Duration.ZERO);
        PassiveHealthConfig passive = new PassiveHealthConfig(true, 1, ejection, Duration.ofMinutes(5), 50, false);
        return new BackendPool(TestConfigs.pool("round-robin", port, port, port)
                .withHealth(new HealthConfig(checks, passive, 50)));
    }
}
