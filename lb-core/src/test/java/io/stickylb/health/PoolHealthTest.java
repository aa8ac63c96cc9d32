package io.stickylb.health;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.channel.EventLoopGroup;
import io.stickylb.backend.BackendPool;
import io.stickylb.backend.BackendState;
import io.stickylb.backend.RequestOutcomeListener;
import io.stickylb.pool.Transport;
import io.stickylb.testing.TestConfigs;
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
}
