package io.stickylb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The address records' parsing rules that the loader relies on for its messages. */
class AddressRecordsTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cafe", "beef/16", "dead.beef", "10.0.0", "256.0.0.1/8", "example.com/24"})
    void cidrRangesAcceptOnlyIpLiteralsSoNothingTriggersADnsLookup(String text) {
        assertThatThrownBy(() -> CidrRange.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'" + text + "' is not a CIDR range (e.g. 10.0.0.0/8)");
    }

    @Test
    void cidrRangesMatchTheirAddresses() {
        CidrRange v4 = CidrRange.parse("10.0.0.0/8");
        assertThat(v4.contains(new byte[] {10, 1, 2, 3})).isTrue();
        assertThat(v4.contains(new byte[] {11, 0, 0, 0})).isFalse();
        assertThat(CidrRange.parse("::1").prefixLength()).isEqualTo(128);
        assertThat(CidrRange.parse("192.168.1.7").prefixLength()).isEqualTo(32);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"localhost", "127.0.0.1", "127.1.2.3", "::1", "0::1", "0:0:0:0:0:0:0:1",
        "::ffff:127.0.0.1"})
    void loopbackHostsAreRecognised(String host) {
        assertThat(new Endpoint(host, 1).isLoopback()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"127.example.com", "0.0.0.0", "10.0.0.1", "localhost.evil.com", "::2", "::", "::g1"})
    void hostNamesThatMerelyStartLikeLoopbackAreNot(String host) {
        assertThat(new Endpoint(host, 1).isLoopback()).isFalse();
    }
}
