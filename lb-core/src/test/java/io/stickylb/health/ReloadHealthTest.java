package io.stickylb.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendState;
import io.stickylb.config.ActiveHealthConfig;
import io.stickylb.config.HealthConfig;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.PassiveHealthConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.SampleFleet;
import io.stickylb.testing.TestConfigs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** What a reload that changes a pool's health settings does to the backends' health. */
class ReloadHealthTest {

    private static final Duration INTERVAL = Duration.ofMillis(200);

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

    private static HealthConfig withActive() {
        return withActive(INTERVAL);
    }

    private static HealthConfig withActive(Duration interval) {
        return new HealthConfig(new ActiveHealthConfig(ActiveHealthConfig.Type.HTTP, "/health", interval,
                Duration.ofSeconds(1), 2, 2, 200, 399, null, Duration.ofMillis(20)), PassiveHealthConfig.DEFAULTS, 50);
    }

    private static PoolConfig withSlowStart(PoolConfig p, Duration slowStart) {
        return new PoolConfig(p.name(), p.strategy(), p.backends(), p.timeouts(), p.hash(), p.balanceFactor(),
                p.hashHeader(), p.hashCookie(), p.affinity(), p.fallback(), p.onUnavailable(), p.returnHome(),
                p.changeCookieOnFailure(), p.retry(), slowStart, p.health());
    }

    private Backend backend(String id) {
        return lb.upstreams().pool("app").backend(id).orElseThrow();
    }

    private void reload(LoadBalancerConfig first, PoolConfig pool) {
        lb.reload(first.withPools(Map.of("app", pool)));
    }

    @Test
    void aBackendItsActiveChecksHeldDownIsUpAgainWhenAReloadTurnsTheChecksOff() throws Exception {
        PoolConfig checked = TestConfigs.pool("round-robin", startBackends(2)).withHealth(withActive());
        LoadBalancerConfig first = TestConfigs.single(checked);
        lb = new LoadBalancer(first).start();
        backends.get(1).setHealthy(false);
        await().atMost(Duration.ofSeconds(10)).until(() -> backend("b2").state() == BackendState.DOWN);
        backends.get(1).setHealthy(true);

        reload(first, checked.withHealth(HealthConfig.DEFAULTS));

        // No check runs any more: had the reload left it DOWN, nothing would ever have brought it back.
        assertThat(backend("b2").state()).isEqualTo(BackendState.UP);
        List<String> served = new ArrayList<>();
        try (RawHttp c = new RawHttp(lb.port())) {
            for (int i = 0; i < 4; i++) {
                served.add(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().header("X-Backend-Id"));
            }
        }
        assertThat(served).contains("b2");
    }

    @Test
    void aBackendAddedByAReloadThatAlsoChangesTheHealthSettingsSlowStarts() {
        int[] ports = startBackends(2);
        PoolConfig pool = withSlowStart(TestConfigs.pool("round-robin", ports[0]), Duration.ofMinutes(1));
        LoadBalancerConfig first = TestConfigs.single(pool);
        lb = new LoadBalancer(first).start();

        reload(first, pool.withBackends(List.of(TestConfigs.backend("b1", ports[0]),
                TestConfigs.backend("b2", ports[1]))).withHealth(withActive()));

        assertThat(backend("b2").weightScale()).isLessThan(0.5);
        assertThat(backend("b1").weightScale()).isEqualTo(1.0);
    }

    @Test
    void aPoolInPanicWhenAReloadChangesItsHealthSettingsLogsLeavingPanicAndNoSecondEntry() {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        Logger logger = (Logger) LoggerFactory.getLogger(PoolHealth.class);
        logs.start();
        logger.addAppender(logs);
        try {
            PoolConfig checked = TestConfigs.pool("round-robin", startBackends(3)).withHealth(withActive());
            LoadBalancerConfig first = TestConfigs.single(checked);
            lb = new LoadBalancer(first).start();
            backends.get(1).setHealthy(false);
            backends.get(2).setHealthy(false);
            await().atMost(Duration.ofSeconds(10)).until(() -> lb.upstreams().pool("app").snapshot().panic());

            // Another check interval: the health layer starts afresh while the pool is in panic.
            reload(first, checked.withHealth(withActive(INTERVAL.plusMillis(50))));
            backends.get(1).setHealthy(true);
            backends.get(2).setHealthy(true);
            await().atMost(Duration.ofSeconds(10)).until(() -> backend("b3").state() == BackendState.UP);

            List<String> messages = logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
            assertThat(messages).filteredOn(m -> m.contains("entered panic mode")).hasSize(1);
            assertThat(messages).filteredOn(m -> m.contains("left panic mode")).hasSize(1);
        } finally {
            logger.detachAppender(logs);
        }
    }
}
