package io.stickylb.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class LoadBalancerConfigTest {

    private static final String BASE = """
            pools:
              app:
                backends: [ { id: a, address: 127.0.0.1:9001 } ]
            """;

    /** Every component other than tls (which needs key material) differs from BASE's. */
    private static final String OTHER = """
            listen: 127.0.0.1:9100
            workers: 3
            admin: { listen: 127.0.0.1:9101 }
            access-log: { enabled: false }
            limits: { max-connections: 77 }
            shutdown-timeout: 7s
            transport: nio
            forwarded-headers: false
            paths: { normalize: false }
            proxy-protocol: true
            pools:
              other:
                backends: [ { id: b, address: 127.0.0.1:9002 } ]
            """;

    @Test
    void eachWithMethodChangesItsComponentAndKeepsEveryOther() throws Exception {
        LoadBalancerConfig base = ConfigLoader.parse(BASE, "base.yaml", Map.of());
        LoadBalancerConfig other = ConfigLoader.parse(OTHER, "other.yaml", Map.of());
        Map<String, Function<LoadBalancerConfig, LoadBalancerConfig>> withers = new LinkedHashMap<>();
        withers.put("listen", c -> c.withListen(other.listen()));
        withers.put("workers", c -> c.withWorkers(other.workers()));
        withers.put("admin", c -> c.withAdmin(other.admin()));
        withers.put("accessLog", c -> c.withAccessLog(other.accessLog()));
        withers.put("limits", c -> c.withLimits(other.limits()));
        withers.put("shutdownTimeout", c -> c.withShutdownTimeout(other.shutdownTimeout()));
        withers.put("transport", c -> c.withTransport(other.transport()));
        withers.put("forwardedHeaders", c -> c.withForwardedHeaders(other.forwardedHeaders()));
        withers.put("paths", c -> c.withPaths(other.paths()));
        withers.put("proxyProtocol", c -> c.withProxyProtocol(other.proxyProtocol()));
        // The base's catch-all route names its pool, so the new pools keep that name.
        withers.put("pools", c -> c.withPools(Map.of("app", other.pools().get("other"))));
        for (RecordComponent rc : LoadBalancerConfig.class.getRecordComponents()) {
            if (!rc.getName().equals("tls") && !rc.getName().equals("source") && !rc.getName().equals("routes")
                    && !rc.getName().equals("trustedProxies")) {
                assertThat(withers).as("a with-method for %s", rc.getName()).containsKey(rc.getName());
            }
        }
        for (Map.Entry<String, Function<LoadBalancerConfig, LoadBalancerConfig>> w : withers.entrySet()) {
            LoadBalancerConfig changed = w.getValue().apply(base);
            for (RecordComponent rc : LoadBalancerConfig.class.getRecordComponents()) {
                Object was = rc.getAccessor().invoke(base);
                Object now = rc.getAccessor().invoke(changed);
                if (rc.getName().equals(w.getKey())) {
                    assertThat(now).as("%s after with %s", rc.getName(), w.getKey()).isNotEqualTo(was);
                } else {
                    assertThat(now).as("%s after with %s", rc.getName(), w.getKey()).isEqualTo(was);
                }
            }
        }
    }
}
