package io.stickylb.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stickylb.backend.Backend;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A reload the engine refuses (settings the loader let through but no strategy can be built from) changes nothing:
 * no pool, earlier or later in the file, serves the refused file's backends.
 */
class RefusedReloadTest {

    /** header-hash without hash-header or hash-cookie: the loader refuses it, the engine throws when it builds it. */
    private static PoolConfig unbuildable(String name, int port) {
        return PoolConfig.of(name, "header-hash", List.of(TestConfigs.backend("z1", port)));
    }

    @Test
    void aReloadRefusedForALaterPoolLeavesAnEarlierPoolAsItWas() throws Exception {
        try (FakeBackend one = FakeBackend.ok("one"); FakeBackend two = FakeBackend.ok("two")) {
            LoadBalancerConfig first = TestConfigs.roundRobin(one.port());
            LoadBalancer lb = new LoadBalancer(first).start();
            try (RawHttp c = new RawHttp(lb.port())) {
                Map<String, PoolConfig> pools = new LinkedHashMap<>();
                pools.put("app", TestConfigs.pool("round-robin", one.port(), two.port()));
                pools.put("zz", unbuildable("zz", two.port()));
                assertThatThrownBy(() -> lb.reload(first.withPools(pools)))
                        .isInstanceOf(IllegalArgumentException.class);

                assertThat(lb.upstreams().pool("app").backends()).extracting(Backend::id).containsExactly("b1");
                assertThat(lb.upstreams().pool("app").snapshot().all()).extracting(Backend::id).containsExactly("b1");
                for (int i = 0; i < 4; i++) {
                    assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().body()).isEqualTo("one");
                }
            } finally {
                lb.close();
            }
        }
    }

    @Test
    void aReloadRefusedForAPoolsOwnStrategyLeavesItsBackendsAsTheyWere() throws Exception {
        try (FakeBackend one = FakeBackend.ok("one"); FakeBackend two = FakeBackend.ok("two")) {
            LoadBalancerConfig first = TestConfigs.roundRobin(one.port());
            LoadBalancer lb = new LoadBalancer(first).start();
            try (RawHttp c = new RawHttp(lb.port())) {
                PoolConfig app = PoolConfig.of("app", "header-hash",
                        List.of(TestConfigs.backend("b1", one.port()), TestConfigs.backend("b2", two.port())));
                assertThatThrownBy(() -> lb.reload(first.withPools(Map.of("app", app))))
                        .isInstanceOf(IllegalArgumentException.class);

                assertThat(lb.upstreams().pool("app").config().strategy()).isEqualTo("round-robin");
                assertThat(lb.upstreams().pool("app").backends()).extracting(Backend::id).containsExactly("b1");
                for (int i = 0; i < 4; i++) {
                    assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().body()).isEqualTo("one");
                }
            } finally {
                lb.close();
            }
        }
    }
}
