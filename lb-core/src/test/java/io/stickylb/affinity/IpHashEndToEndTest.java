package io.stickylb.affinity;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.config.ConfigLoader;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * ip-hash through real sockets: behind a trusted proxy the X-Forwarded-For client picks the backend, the same one on
 * two independent instances; from an untrusted peer the header cannot pick it.
 */
class IpHashEndToEndTest {

    private final List<FakeBackend> backends = new ArrayList<>();
    private final List<LoadBalancer> balancers = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        balancers.forEach(LoadBalancer::close);
        for (FakeBackend b : backends) {
            b.close();
        }
    }

    private LoadBalancer start(String trustedProxies) throws Exception {
        if (backends.isEmpty()) {
            for (int i = 1; i <= 3; i++) {
                String body = "b" + i;
                backends.add(new FakeBackend((req, out, s) -> {
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n" + body)
                            .getBytes(StandardCharsets.ISO_8859_1));
                    return true;
                }));
            }
        }
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < backends.size(); i++) {
            list.append(i == 0 ? "" : ", ").append("{ id: b").append(i + 1).append(", address: \"127.0.0.1:")
                    .append(backends.get(i).port()).append("\" }");
        }
        String yaml = "listen: 127.0.0.1:0\nworkers: 1\ntrusted-proxies: [" + trustedProxies + "]\n"
                + "access-log: off\npools: { app: { strategy: ip-hash, backends: [ " + list + " ] } }\n";
        LoadBalancer lb = new LoadBalancer(ConfigLoader.parse(yaml, "ip-hash.yaml", Map.of())).start();
        balancers.add(lb);
        return lb;
    }

    private static String backendFor(LoadBalancer lb, String forwardedFor) throws Exception {
        try (RawHttp c = new RawHttp(lb.port())) {
            c.socket().setSoTimeout(10_000);
            c.send("GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: " + forwardedFor + "\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            return r.body();
        }
    }

    @Test
    void behindATrustedProxyTheForwardedClientPicksTheSameBackendOnEveryInstance() throws Exception {
        LoadBalancer one = start("127.0.0.1");
        LoadBalancer two = start("127.0.0.0/8");
        Map<String, String> homes = new HashMap<>();
        for (int i = 1; i <= 60; i++) {
            String client = "198.51.100." + i;
            String home = backendFor(one, client);
            homes.put(client, home);
            assertThat(backendFor(two, client)).as(client).isEqualTo(home);
            // A trusted hop after the client (another proxy of ours) does not change who the client is.
            assertThat(backendFor(two, client + ", 127.0.0.9")).as(client).isEqualTo(home);
        }
        assertThat(new HashSet<>(homes.values())).as("clients spread over every backend")
                .containsExactlyInAnyOrder("b1", "b2", "b3");
        // Where the instance trusts only 127.0.0.1, that hop is the client: the chain of trust stops there.
        String hop = backendFor(one, "127.0.0.9");
        assertThat(backendFor(one, "198.51.100.1, 127.0.0.9")).isEqualTo(hop);
    }

    @Test
    void fromAnUntrustedPeerTheForwardedHeaderCannotPickTheBackend() throws Exception {
        LoadBalancer lb = start("");
        String home = backendFor(lb, "198.51.100.1");
        for (int i = 2; i <= 30; i++) {
            assertThat(backendFor(lb, "198.51.100." + i)).isEqualTo(home);
        }
    }
}
