package io.stickylb.cli;

import io.stickylb.config.BackendConfig;
import io.stickylb.config.ConfigException;
import io.stickylb.config.ConfigLoader;
import io.stickylb.config.Endpoint;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.PoolConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's config: the default {@code config/lb.yaml}, embedded in the jar at build time, with its backends replaced
 * by the demo's in-process sample backends, listening on loopback at the demo's port.
 */
final class DemoConfig {

    /** The embedded copy of {@code config/lb.yaml} (see lb-cli/pom.xml), next to this class. */
    static final String RESOURCE = "lb.yaml";
    static final String SOURCE_NAME = "config/lb.yaml (embedded)";

    private DemoConfig() {
    }

    /** The embedded default config, as text. */
    static String defaultYaml() {
        try (InputStream in = DemoConfig.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the jar; rebuild lb-cli");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The embedded default config, loaded and validated like any file. */
    static LoadBalancerConfig defaults() throws ConfigException {
        return ConfigLoader.parse(defaultYaml(), SOURCE_NAME, System.getenv());
    }

    /**
     * {@code base} listening on {@code 127.0.0.1:port} with every pool's backends replaced by {@code backends}, and
     * with {@code strategy} (when not null) instead of each pool's own.
     */
    static LoadBalancerConfig build(LoadBalancerConfig base, int port, String strategy, List<BackendConfig> backends) {
        Map<String, PoolConfig> pools = new LinkedHashMap<>();
        for (PoolConfig pool : base.pools().values()) {
            PoolConfig p = pool.withBackends(backends);
            pools.put(pool.name(), strategy == null ? p : p.withStrategy(strategy));
        }
        return base.withPools(pools).withListen(new Endpoint("127.0.0.1", port));
    }
}
