package io.stickylb.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendState;
import io.stickylb.config.ActiveHealthConfig;
import io.stickylb.config.HealthConfig;
import io.stickylb.config.PassiveHealthConfig;
import io.stickylb.metrics.ErrorKind;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.BackendProcess;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The failover target: three backends in child JVMs under a 64-connection GET load, one killed with SIGKILL. No
 * client request may fail except those whose response had already started on the killed backend.
 */
class FailoverKillTest {

    @Test
    void killingABackendUnderLoadFailsNoRequestThatCouldBeSaved() throws Exception {
        List<BackendProcess> procs = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            procs.add(new BackendProcess("b" + i));
        }
        ActiveHealthConfig active = new ActiveHealthConfig(ActiveHealthConfig.Type.HTTP, "/health",
                Duration.ofMillis(500), Duration.ofMillis(300), 2, 2, 200, 399, null, Duration.ofMillis(50));
        LoadBalancer lb = new LoadBalancer(TestConfigs.single(TestConfigs.pool("round-robin", procs.get(0).port(),
                procs.get(1).port(), procs.get(2).port()).withHealth(new HealthConfig(active,
                PassiveHealthConfig.DEFAULTS, 50)))).start();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        ExecutorService clients = Executors.newFixedThreadPool(64);
        List<Future<?>> futures = new ArrayList<>();
        try {
            for (int c = 0; c < 64; c++) {
                futures.add(clients.submit(() -> {
                    while (running.get()) {
                        try (RawHttp http = new RawHttp(lb.port())) {
                            for (int i = 0; i < 200 && running.get(); i++) {
                                RawHttp.Response r = http.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read();
                                if (r != null && r.status() == 200) {
                                    ok.incrementAndGet();
                                } else {
                                    failed.incrementAndGet();
                                    break;
                                }
                            }
                        } catch (IOException e) {
                            failed.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            // Kill only once the load is really flowing, then keep it up until plenty more requests went through.
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> ok.get() >= 500);
            long beforeKill = ok.get();
            procs.get(1).kill();
            Thread.sleep(1500);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> ok.get() >= beforeKill + 1000);
            running.set(false);
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
            Backend killed = lb.upstreams().pool("app").backend("b2").orElseThrow();
            long truncated = killed.stats().errors(ErrorKind.TRUNCATED);
            System.out.printf("failover: %d ok (%d before the kill), %d failed, %d truncated on the killed backend, "
                    + "%d retries%n", ok.get(), beforeKill, failed.get(), truncated, killed.stats().retries.sum());
            assertThat(ok.get()).isGreaterThan(beforeKill + 1000);
            assertThat(failed.get()).as("failed client requests").isLessThanOrEqualTo(truncated);
            assertThat(killed.state()).isEqualTo(BackendState.DOWN);
        } finally {
            running.set(false);
            clients.shutdownNow();
            lb.close(Duration.ofSeconds(2));
            for (BackendProcess p : procs) {
                p.close();
            }
        }
    }
}
