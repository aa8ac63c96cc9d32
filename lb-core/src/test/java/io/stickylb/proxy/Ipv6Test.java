package io.stickylb.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.stickylb.config.CidrRange;
import io.stickylb.config.ConfigException;
import io.stickylb.config.ConfigLoader;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.AccessLogLines;
import io.stickylb.testing.FakeBackend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A client on {@code [::1]}: the addresses stickylb writes, the ones it reads from other proxies, and config. */
class Ipv6Test {

    private final AccessLogLines accessLines = new AccessLogLines();
    private FakeBackend backend;
    private LoadBalancer lb;

    @AfterEach
    void stop() throws IOException {
        accessLines.close();
        if (lb != null) {
            lb.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private void start(String trustedProxies) throws IOException, ConfigException {
        backend = FakeBackend.ok("ok");
        String yaml = "listen: \"[::1]:0\"\nworkers: 1\ntrusted-proxies: [" + trustedProxies + "]\n"
                + "access-log: { enabled: true, format: text }\n"
                + "pools: { app: { strategy: ip-hash, backends: [ { id: b1, address: \"127.0.0.1:" + backend.port()
                + "\" } ] } }\nroutes: [ { host: \"*\", pool: app } ]\n";
        lb = new LoadBalancer(ConfigLoader.parse(yaml, "v6.yaml", Map.of())).start();
    }

    /** Sends one request from [::1] and returns the response's status line. */
    private String send(String head) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("::1", lb.port()), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write((head + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String response = all.toString(StandardCharsets.ISO_8859_1);
            return response.substring(0, Math.max(0, response.indexOf("\r\n")));
        }
    }

    private String lastAccessLine() {
        await().atMost(Duration.ofSeconds(5)).until(() -> accessLines.size() > 0);
        return accessLines.lines().get(accessLines.size() - 1);
    }

    @Test
    void theClientAddressIsWrittenInRfc5952FormAsNginxAndHaproxyWriteIt() throws Exception {
        start("");
        assertThat(send("GET / HTTP/1.1\r\nHost: [::1]\r\n")).isEqualTo("HTTP/1.1 200 OK");
        // Java's 0:0:0:0:0:0:0:1 matches no ::1 a backend's allow list or a log query is written with.
        assertThat(backend.lastRequest().header("X-Forwarded-For")).isEqualTo("::1");
        assertThat(lastAccessLine()).startsWith("::1 \"GET /\"");
    }

    @Test
    void aTrustedProxysForwardedForEntriesWithPortsNameTheClient() throws Exception {
        start("\"::1/128\"");
        assertThat(send("GET /a HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: [2001:db8::7]:4711\r\n"))
                .isEqualTo("HTTP/1.1 200 OK");
        assertThat(lastAccessLine()).startsWith("2001:db8::7 \"GET /a\"");
        assertThat(send("GET /b HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 192.0.2.9:5678\r\n"))
                .isEqualTo("HTTP/1.1 200 OK");
        assertThat(lastAccessLine()).startsWith("192.0.2.9 \"GET /b\"");
        // Anything else after the bracket is no address: the chain stops at the proxy, as it did before.
        assertThat(send("GET /c HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: [2001:db8::8]x\r\n"))
                .isEqualTo("HTTP/1.1 200 OK");
        assertThat(lastAccessLine()).startsWith("::1 \"GET /c\"");
    }

    @Test
    void aBracketedHostThatIsNoIpv6AddressIsRefused() throws Exception {
        start("");
        assertThat(send("GET / HTTP/1.1\r\nHost: []:80\r\n")).isEqualTo("HTTP/1.1 400 Bad Request");
        assertThat(send("GET / HTTP/1.1\r\nHost: [1:2:3:4:5:6:7:8:9]\r\n")).isEqualTo("HTTP/1.1 400 Bad Request");
        assertThat(send("GET http://[]/x HTTP/1.1\r\nHost: h\r\n")).isEqualTo("HTTP/1.1 400 Bad Request");
        assertThat(send("GET http://[2001:db8::1]:8080/x HTTP/1.1\r\nHost: h\r\n")).isEqualTo("HTTP/1.1 200 OK");
        assertThat(backend.lastRequest().header("Host")).isEqualTo("[2001:db8::1]:8080");
    }

    @Test
    void aBracketedConfigAddressThatIsNoIpv6AddressIsAConfigErrorWithLineAndKey() {
        String pools = "pools: { app: { backends: [ { id: b1, address: \"[::1]:9001\" } ] } }\n";
        assertThat(configError("listen: \"[:::1]:8080\"\n" + pools))
                .isEqualTo("v6.yaml:1: listen: '[:::1]:8080': ':::1' is not an IPv6 address");
        assertThat(configError("listen: \"[::1]:8080\"\n"
                + "pools: { app: { backends: [ { id: b1, address: \"[foo]:9001\" } ] } }\n"))
                .isEqualTo("v6.yaml:2: pools.app.backends[0].address: '[foo]:9001': 'foo' is not an IPv6 address");
    }

    @Test
    void aRouteHostWithAColonOutsideBracketsIsAConfigError() throws Exception {
        String head = "pools: { app: { backends: [ { id: b1, address: \"[::1]:9001\" } ] } }\nroutes:\n";
        assertThat(configError(head + "  - { host: \"::1\", pool: app }\n")).startsWith("v6.yaml:3: routes[0]")
                .contains("'::1' never matches");
        assertThat(configError(head + "  - { host: \"example.com:8080\", pool: app }\n")).contains("never matches");
        ConfigLoader.parse(head + "  - { host: \"[::1]\", pool: app }\n", "v6.yaml", Map.of());
    }

    @Test
    void anUnquotedIpv6AddressGetsAHintBesideTheYamlError() {
        String pools = "pools: { app: { backends: [ { id: b1, address: \"[::1]:9001\" } ] } }\n";
        assertThat(configError("listen: [::1]:8080\n" + pools)).startsWith("v6.yaml:1: YAML syntax error: ")
                .endsWith("(an IPv6 address must be quoted: listen: \"[::1]:8080\", trusted-proxies: [\"::1/128\"])");
        assertThat(configError(pools + "trusted-proxies: [::1/128, 2001:db8::/32]\n")).startsWith("v6.yaml:2: ")
                .contains("must be quoted");
    }

    @Test
    void anIpv4MappedRangeIsReadAsTheIpv4RangeItMaps() throws Exception {
        // Java hands such peers over as IPv4 addresses, so the range must be one to contain them.
        assertThat(CidrRange.parse("::ffff:10.0.0.0/104").networkText()).isEqualTo("10.0.0.0/8");
        assertThat(CidrRange.parse("::ffff:10.0.0.0/104").contains(InetAddress.getByName("10.1.2.3"))).isTrue();
        assertThatThrownBy(() -> CidrRange.parse("::ffff:10.0.0.0/95")).hasMessageContaining("expected: 96..128");
        assertThat(CidrRange.parse("10.0.0.0/8").networkText()).isEqualTo("10.0.0.0/8");
    }

    private static String configError(String yaml) {
        try {
            ConfigLoader.parse(yaml, "v6.yaml", Map.of());
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected a ConfigException for:\n" + yaml);
    }
}
