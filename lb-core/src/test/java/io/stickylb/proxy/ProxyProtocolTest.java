package io.stickylb.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stickylb.config.AccessLogConfig;
import io.stickylb.config.ConfigLoader;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.AccessLogLines;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Behind an L4 balancer every connection comes from the balancer's address; the PROXY protocol header it sends first
 * carries the client's. With {@code proxy-protocol: true} that address is the client's for ip-hash, the forwarding
 * headers and the access log, and a connection without a valid header never reaches a backend.
 */
class ProxyProtocolTest {

    private final List<FakeBackend> backends = new ArrayList<>();
    private LoadBalancer lb;

    @AfterEach
    void stop() throws IOException {
        if (lb != null) {
            lb.close();
        }
        for (FakeBackend b : backends) {
            b.close();
        }
    }

    private LoadBalancer start(String strategy, int count, boolean proxyProtocol) throws IOException {
        int[] ports = new int[count];
        for (int i = 0; i < count; i++) {
            FakeBackend b = FakeBackend.ok("b" + (i + 1));
            backends.add(b);
            ports[i] = b.port();
        }
        lb = new LoadBalancer(TestConfigs.single(TestConfigs.pool(strategy, ports)).withProxyProtocol(proxyProtocol)
                .withAccessLog(AccessLogConfig.DEFAULTS)).start();
        return lb;
    }

    private int requestsSeen() {
        return backends.stream().mapToInt(b -> b.requests().size()).sum();
    }

    /** A v2 header: PROXY over TCP/IPv6 from {@code source}, or LOCAL (the balancer's own check) when null. */
    private static byte[] v2(String source) throws IOException {
        byte[] signature = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
        if (source == null) {
            return ByteBuffer.allocate(16).put(signature).put((byte) 0x20).put((byte) 0x00).putShort((short) 0)
                    .array();
        }
        return ByteBuffer.allocate(16 + 36).put(signature).put((byte) 0x21).put((byte) 0x21).putShort((short) 36)
                .put(InetAddress.getByName(source).getAddress()).put(InetAddress.getByName("::1").getAddress())
                .putShort((short) 51000).putShort((short) 443).array();
    }

    @Test
    void theAddressInAVersionOneHeaderIsTheClientsOnEveryRequestOfTheConnection() throws Exception {
        try (AccessLogLines log = new AccessLogLines()) {
            start("round-robin", 1, true);
            try (RawHttp c = new RawHttp(lb.port())) {
                c.send("PROXY TCP4 203.0.113.7 127.0.0.1 51000 8080\r\nGET /a HTTP/1.1\r\nHost: h\r\n\r\n");
                assertThat(c.read().status()).isEqualTo(200);
                assertThat(backends.get(0).lastRequest().header("X-Forwarded-For")).isEqualTo("203.0.113.7");
                c.send("GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
                assertThat(c.read().status()).isEqualTo(200);
                assertThat(backends.get(0).lastRequest().header("X-Forwarded-For")).isEqualTo("203.0.113.7");
                // stickylb's own answers are logged with the announced client too.
                c.send("GET /c HTTP/1.1\r\n\r\n");
                assertThat(c.read().status()).isEqualTo(400);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> log.size() == 3);
            assertThat(log.lines()).allSatisfy(line -> assertThat(line).startsWith("203.0.113.7 "));
        }
    }

    @Test
    void aVersionTwoHeaderSplitAcrossPacketsCarriesAnIpv6ClientAndLocalMeansTheBalancerItself() throws Exception {
        start("round-robin", 1, true);
        byte[] header = v2("2001:db8::42");
        try (RawHttp c = new RawHttp(lb.port())) {
            OutputStream out = c.output();
            out.write(header, 0, 7);
            out.flush();
            Thread.sleep(50);
            out.write(header, 7, header.length - 7);
            out.flush();
            Thread.sleep(50);
            c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
        assertThat(backends.get(0).lastRequest().header("X-Forwarded-For")).isEqualTo("2001:db8::42");

        try (RawHttp c = new RawHttp(lb.port())) {
            c.output().write(v2(null));
            c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
        assertThat(backends.get(0).lastRequest().header("X-Forwarded-For")).isEqualTo("127.0.0.1");
    }

    @Test
    void ipHashFollowsTheAnnouncedClientNotTheBalancersAddress() throws Exception {
        start("ip-hash", 3, true);
        Map<String, Set<String>> backendsByClient = new HashMap<>();
        for (int round = 0; round < 3; round++) {
            for (int i = 1; i <= 12; i++) {
                String client = "198.51.100." + i;
                try (RawHttp c = new RawHttp(lb.port())) {
                    c.send("PROXY TCP4 " + client + " 127.0.0.1 40000 80\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
                    RawHttp.Response r = c.read();
                    assertThat(r.status()).isEqualTo(200);
                    backendsByClient.computeIfAbsent(client, k -> new HashSet<>()).add(r.body());
                }
            }
        }
        assertThat(backendsByClient.values()).as("each client stays on one backend").allSatisfy(
                set -> assertThat(set).hasSize(1));
        Set<String> used = new HashSet<>();
        backendsByClient.values().forEach(used::addAll);
        assertThat(used).as("clients from one balancer address are spread, not all on one backend")
                .hasSizeGreaterThan(1);
    }

    @Test
    void aConnectionWithoutAValidHeaderIsClosedBeforeAnyRequestIsRead() throws Exception {
        start("round-robin", 1, true);
        for (String first : List.of("GET / HTTP/1.1\r\nHost: h\r\n\r\n", "PROXY TCP4 not-an-address 127.0.0.1 1 2\r\n"
                + "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "PROXY SCTP 1.2.3.4 5.6.7.8 1 2\r\nGET / HTTP/1.1\r\n\r\n")) {
            try (RawHttp c = new RawHttp(lb.port())) {
                c.send(first);
                assertThat(readOrClosed(c)).as(first).isNull();
            }
        }
        assertThat(requestsSeen()).isZero();
        // The listener still serves connections that do send one.
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("PROXY UNKNOWN\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
        assertThat(backends.get(0).lastRequest().header("X-Forwarded-For")).isEqualTo("127.0.0.1");
    }

    @Test
    void offByDefaultSoAClientCannotClaimAnAddress() throws Exception {
        LoadBalancerConfig parsed = ConfigLoader.parse("pools: { app: { backends: [ { id: b1, address: "
                + "\"127.0.0.1:1\" } ] } }\n", "t.yaml", Map.of());
        assertThat(parsed.proxyProtocol()).isFalse();
        assertThat(ConfigLoader.parse("proxy-protocol: true\npools: { app: { backends: [ { id: b1, address: "
                + "\"127.0.0.1:1\" } ] } }\n", "t.yaml", Map.of()).proxyProtocol()).isTrue();

        start("round-robin", 1, false);
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("PROXY TCP4 203.0.113.7 127.0.0.1 51000 8080\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
            RawHttp.Response r = readOrClosed(c);
            assertThat(r).isNotNull();
            assertThat(r.status()).isEqualTo(400);
        }
        assertThat(requestsSeen()).isZero();
    }

    private static RawHttp.Response readOrClosed(RawHttp c) {
        try {
            return c.read();
        } catch (IOException closed) {
            return null;
        }
    }
}
