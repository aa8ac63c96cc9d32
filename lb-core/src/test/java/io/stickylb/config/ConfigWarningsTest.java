package io.stickylb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Valid configs that are probably not what was meant: accepted, with a warning naming the file, line and key path. */
class ConfigWarningsTest {

    private final List<String> warnings = new ArrayList<>();

    private LoadBalancerConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, "lb.yaml", Map.of(), warnings::add);
    }

    @Test
    void aTrustedProxyRangeWithHostBitsIsReadAsItsNetworkWithAWarning() throws ConfigException {
        LoadBalancerConfig config = parse("""
                trusted-proxies:
                  - 10.0.0.0/8
                  - 10.0.0.1/8
                  - 192.168.1.77/20
                  - 172.16.0.5
                  - "2001:db8::1/32"
                pools: { app: { backends: [ { id: b1, address: "127.0.0.1:9001" } ] } }
                """);

        assertThat(warnings).containsExactly(
                "lb.yaml:3: trusted-proxies[1]: low address bits of 10.0.0.1/8 are meaningless; it is read as"
                        + " 10.0.0.0/8 (write that, or the address alone for one host)",
                "lb.yaml:4: trusted-proxies[2]: low address bits of 192.168.1.77/20 are meaningless; it is read as"
                        + " 192.168.0.0/20 (write that, or the address alone for one host)",
                "lb.yaml:6: trusted-proxies[4]: low address bits of 2001:db8::1/32 are meaningless; it is read as"
                        + " 2001:db8::/32 (write that, or the address alone for one host)");
        CidrRange withHostBits = config.trustedProxies().get(1);
        assertThat(withHostBits.contains(new byte[] {10, 9, 8, 7})).as("the whole /8, as nginx reads it").isTrue();
        assertThat(withHostBits.contains(new byte[] {11, 0, 0, 1})).isFalse();
    }

    @Test
    void theNetworkAddressIsWrittenInItsShortestForm() {
        assertThat(CidrRange.parse("10.1.2.3/0").networkText()).isEqualTo("0.0.0.0/0");
        assertThat(CidrRange.parse("10.1.2.3/31").networkText()).isEqualTo("10.1.2.2/31");
        assertThat(CidrRange.parse("fe80::1:2/64").networkText()).isEqualTo("fe80::/64");
        assertThat(CidrRange.parse("2001:db8:0:0:1:0:0:1/128").networkText()).isEqualTo("2001:db8::1:0:0:1/128");
        assertThat(CidrRange.parse("::1/127").networkText()).isEqualTo("::/127");
        assertThat(CidrRange.parse("1:0:2:0:3:0:4:5/128").networkText()).isEqualTo("1:0:2:0:3:0:4:5/128");
        assertThat(CidrRange.parse("10.0.0.0/8").hasHostBits()).isFalse();
        assertThat(CidrRange.parse("10.0.0.1").hasHostBits()).as("a bare address is a /32").isFalse();
    }

    @Test
    void twoBackendsOfOnePoolOnOneAddressAreAcceptedWithAWarningNamingBoth() throws ConfigException {
        LoadBalancerConfig config = parse("""
                pools:
                  app:
                    backends:
                      - { id: b1, address: "app1.internal:9001" }
                      - { id: b2, address: "127.0.0.1:9002" }
                      - { id: b3, address: "APP1.internal:9001" }
                  other:
                    backends:
                      - { id: b1, address: "127.0.0.1:9002" }
                      - { id: b2, address: "127.0.0.1:9003" }
                routes: [ { path-prefix: /other, pool: other }, { pool: app } ]
                """);

        assertThat(config.pools().get("app").backends()).hasSize(3);
        assertThat(warnings).as("per pool: another pool may share a server").containsExactly(
                "lb.yaml:6: pools.app.backends[2].address: backends 'b1' (line 4) and 'b3' have the same address"
                        + " APP1.internal:9001 (a copy-paste slip?); that server gets the requests of both");
    }

    @Test
    void settingsTheStrategyNeverReadsAreNamedWithTheStrategiesTheyApplyTo() throws ConfigException {
        parse("""
                pools:
                  app:
                    strategy: round-robin
                    affinity: { mode: insert, name: SRV }
                    balance-factor: 1.25
                    backends: [ { id: b1, address: "127.0.0.1:9001" } ]
                  sticky:
                    strategy: cookie
                    affinity: { mode: insert, name: SRV, secret: "0123456789abcdef0123456789abcdef" }
                    on-unavailable: fail
                    hash: ring
                    backends: [ { id: b1, address: "127.0.0.1:9002" } ]
                  hashed:
                    strategy: ip-hash
                    hash: ring
                    balance-factor: 1.25
                    on-unavailable: fail
                    fallback: least-connections
                    return-home: immediate
                    backends: [ { id: b1, address: "127.0.0.1:9003" } ]
                routes: [ { path-prefix: /s, pool: sticky }, { path-prefix: /h, pool: hashed }, { pool: app } ]
                """);

        assertThat(warnings).containsExactly(
                "lb.yaml:4: pools.app.affinity: ignored: strategy is round-robin, and affinity applies only to cookie",
                "lb.yaml:5: pools.app.balance-factor: ignored: strategy is round-robin, and balance-factor applies"
                        + " only to ip-hash, header-hash and cookie",
                "lb.yaml:11: pools.sticky.hash: ignored: strategy is cookie, and hash applies only to ip-hash and"
                        + " header-hash",
                "lb.yaml:19: pools.hashed.return-home: ignored: strategy is ip-hash, and return-home applies only to"
                        + " cookie");
    }

    @Test
    void anInvalidFileReportsItsErrorAndNoWarnings() {
        assertThatThrownBy(() -> parse("""
                trusted-proxies: [ 10.0.0.1/8 ]
                pools: { app: { backends: [ { id: b1, address: "127.0.0.1:9001", weight: 0 } ] } }
                """)).isInstanceOf(ConfigException.class);

        assertThat(warnings).isEmpty();
    }

    @Test
    void aFileNamesItselfInItsWarnings(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("lb.yaml"), """
                trusted-proxies: [ 10.0.0.1/8 ]
                pools: { app: { backends: [ { id: b1, address: "127.0.0.1:9001" } ] } }
                """);

        ConfigLoader.load(file, warnings::add);

        assertThat(warnings).singleElement().asString().startsWith(file + ":1: trusted-proxies[0]: low address bits");
    }
}
