package io.stickylb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.stickylb.backend.Backend;
import io.stickylb.config.BackendConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.Ports;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ReloadConnectionsTest {

    @Test
    void aBackendThatKeepsItsIdButMovesIsReachedAtItsNewAddressAfterAReload() throws Exception {
        try (FakeBackend old = FakeBackend.ok("old"); FakeBackend moved = FakeBackend.ok("new")) {
            LoadBalancerConfig first = TestConfigs.roundRobin(old.port()).withWorkers(1);
            LoadBalancer lb = new LoadBalancer(first).start();
            try (RawHttp c = new RawHttp(lb.port())) {
                assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().body()).isEqualTo("old");
                PoolConfig pool = first.pools().get("app")
                        .withBackends(List.of(new BackendConfig("b1", new Endpoint("127.0.0.1", moved.port()), 1)));
                // No pause: the next request may come before the reload's clean-up has run on the loop, and the pool
                // must still not hand it the connection to the old address (ConnectionPoolsTest pins that race).
                lb.reload(first.withPools(Map.of("app", pool)));
                for (int i = 0; i < 3; i++) {
                    assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().body()).isEqualTo("new");
                }
                assertThat(lb.upstreams().pool("app").backends().get(0).stats().requests.sum()).isEqualTo(4);
            } finally {
                lb.close();
            }
        }
    }

    @Test
    void aReloadLogsWhatItAddedAndMovedAndDoesNotCallAMoveARemoval() throws Exception {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        Logger logger = (Logger) LoggerFactory.getLogger(LoadBalancer.class);
        logs.start();
        logger.addAppender(logs);
        try (FakeBackend one = FakeBackend.ok("one"); FakeBackend two = FakeBackend.ok("two");
             FakeBackend moved = FakeBackend.ok("moved")) {
            LoadBalancerConfig first = TestConfigs.roundRobin(one.port(), two.port()).withWorkers(1);
            LoadBalancer lb = new LoadBalancer(first).start();
            try {
                PoolConfig pool = first.pools().get("app").withBackends(List.of(
                        new BackendConfig("b1", new Endpoint("127.0.0.1", moved.port()), 1),
                        TestConfigs.backend("b2", two.port()), TestConfigs.backend("b3", one.port())));
                lb.reload(first.withPools(Map.of("app", pool)));
                assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage)
                        .filteredOn(m -> m.startsWith("configuration reloaded"))
                        .containsExactly("configuration reloaded (1 pool(s), 1 backend(s) added, 0 removed, 1 moved to"
                                + " a new address)");
            } finally {
                lb.close();
            }
        } finally {
            logger.detachAppender(logs);
        }
    }

    @Test
    void aBackendEjectedForFailuresAtItsOldAddressIsBackAtOnceWhenAReloadMovesIt() throws Exception {
        try (FakeBackend two = FakeBackend.ok("two"); FakeBackend three = FakeBackend.ok("three");
             FakeBackend moved = FakeBackend.ok("moved")) {
            LoadBalancerConfig first = TestConfigs.roundRobin(Ports.closed(), two.port(), three.port());
            LoadBalancer lb = new LoadBalancer(first).start();
            try (RawHttp c = new RawHttp(lb.port())) {
                Backend b1 = lb.upstreams().pool("app").backend("b1").orElseThrow();
                // Its connects fail (each request is retried on another backend) until passive checks eject it.
                for (int i = 0; i < 30 && !b1.ejected(); i++) {
                    assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(200);
                }
                assertThat(b1.ejected()).isTrue();
                PoolConfig pool = first.pools().get("app").withBackends(List.of(
                        new BackendConfig("b1", new Endpoint("127.0.0.1", moved.port()), 1),
                        TestConfigs.backend("b2", two.port()), TestConfigs.backend("b3", three.port())));
                lb.reload(first.withPools(Map.of("app", pool)));
                assertThat(b1.ejected()).isFalse();
                List<String> bodies = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    bodies.add(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().body());
                }
                assertThat(bodies).contains("moved");
            } finally {
                lb.close();
            }
        }
    }

    @Test
    void aReloadThatKeepsTheStrategySettingsKeepsTheStrategy() throws Exception {
        try (FakeBackend a = FakeBackend.ok("a"); FakeBackend b = FakeBackend.ok("b")) {
            LoadBalancerConfig first = TestConfigs.roundRobin(a.port(), b.port());
            LoadBalancer lb = new LoadBalancer(first).start();
            try {
                Object before = lb.upstreams().pool("app").strategy();
                PoolConfig weighted = first.pools().get("app").withBackends(List.of(
                        TestConfigs.backend("b1", a.port(), 3), TestConfigs.backend("b2", b.port(), 1)));
                lb.reload(first.withPools(Map.of("app", weighted)));
                assertThat(lb.upstreams().pool("app").strategy()).isSameAs(before);
                lb.reload(first.withPools(Map.of("app", weighted.withStrategy("least-connections"))));
                assertThat(lb.upstreams().pool("app").strategy()).isNotSameAs(before);
            } finally {
                lb.close();
            }
        }
    }

    @Test
    void aConnectionBusyWhenAReloadRemovesItsBackendClosesWhenItsExchangeEnds() throws Exception {
        CountDownLatch received = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        CountDownLatch closedByProxy = new CountDownLatch(1);
        try (FakeBackend removed = new FakeBackend((req, out, s) -> {
            received.countDown();
            try {
                answer.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nheld".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            // Keep-alive from this side: only the proxy can end the connection now.
            s.setSoTimeout(10_000);
            try {
                if (s.getInputStream().read() < 0) {
                    closedByProxy.countDown();
                }
            } catch (SocketTimeoutException stillOpen) {
                // counted as not closed
            }
            return false;
        }); FakeBackend kept = FakeBackend.ok("kept")) {
            LoadBalancerConfig first = TestConfigs.roundRobin(removed.port()).withWorkers(1);
            LoadBalancer lb = new LoadBalancer(first).start();
            try (RawHttp c = new RawHttp(lb.port())) {
                Backend b1 = lb.upstreams().pool("app").backend("b1").orElseThrow();
                c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
                assertThat(received.await(5, TimeUnit.SECONDS)).isTrue();
                PoolConfig pool = first.pools().get("app").withBackends(List.of(TestConfigs.backend("b2",
                        kept.port())));
                lb.reload(first.withPools(Map.of("app", pool)));
                // The reload's clean-up has run on the loop before the exchange ends.
                lb.eventLoops().get(0).submit(() -> { }).get(5, TimeUnit.SECONDS);
                answer.countDown();
                assertThat(c.read().body()).isEqualTo("held");
                assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().body()).isEqualTo("kept");
                // Pooled under a backend no request can choose, it held the removed server's socket for timeouts.idle.
                assertThat(closedByProxy.await(5, TimeUnit.SECONDS)).isTrue();
                assertThat(b1.stats().idleConnections.get()).isZero();
            } finally {
                lb.close();
            }
        }
    }
}
