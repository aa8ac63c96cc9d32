package io.stickylb.testing;

import io.stickylb.config.AccessLogConfig;
import io.stickylb.config.BackendConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.config.TimeoutConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Small builders for configs pointing at test backends on loopback; the proxy listens on an ephemeral port. */
public final class TestConfigs {

    private TestConfigs() {
    }

    public static BackendConfig backend(String id, int port) {
        return new BackendConfig(id, new Endpoint("127.0.0.1", port), 1);
    }

    public static BackendConfig backend(String id, int port, int weight) {
        return new BackendConfig(id, new Endpoint("127.0.0.1", port), weight);
    }

    /** One pool "app" with these ports as backends b1..bN, round robin. */
    public static PoolConfig pool(String strategy, int... ports) {
        List<BackendConfig> list = new ArrayList<>();
        for (int i = 0; i < ports.length; i++) {
            list.add(backend("b" + (i + 1), ports[i]));
        }
        return PoolConfig.of("app", strategy, list);
    }

    public static LoadBalancerConfig single(PoolConfig pool) {
        return LoadBalancerConfig.simple(new Endpoint("127.0.0.1", 0), pool)
                .withAccessLog(AccessLogConfig.OFF)
                .withWorkers(2)
                .withShutdownTimeout(Duration.ofSeconds(5));
    }

    public static LoadBalancerConfig roundRobin(int... ports) {
        return single(pool("round-robin", ports));
    }

    public static PoolConfig withTimeouts(PoolConfig pool, Duration connect, Duration response, Duration idle) {
        return pool.withTimeouts(new TimeoutConfig(connect, response, idle));
    }
}
