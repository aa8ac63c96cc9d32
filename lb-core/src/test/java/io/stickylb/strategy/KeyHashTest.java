package io.stickylb.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class KeyHashTest {

    @Test
    void matchesPublishedXxHash64Vectors() {
        assertThat(KeyHash.of("")).isEqualTo(0xEF46DB3751D8E999L);
        assertThat(KeyHash.of("a")).isEqualTo(0xD24EC4F1A98C6E5BL);
        assertThat(KeyHash.of("abc")).isEqualTo(0x44BC2CF5AD770999L);
        // 39 bytes: the 32-byte stripe, an 8-byte-free tail of 4 + 3 bytes.
        assertThat(KeyHash.of("Nobody inspects the spammish repetition")).isEqualTo(0xFBCEA83C8A378BF1L);
    }

    @Test
    void charactersAndTheirUtf8BytesHashAlike() {
        for (String s : new String[] {"", "x", "user-42", "a fairly long tenant identifier over 32 bytes", "café ☕"}) {
            assertThat(KeyHash.of(s)).as(s).isEqualTo(KeyHash.of(s.getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void aRangeHashesLikeTheSubstring() {
        String s = "sid=abc123; theme=dark";
        assertThat(KeyHash.of(s, 4, 10, 0)).isEqualTo(KeyHash.of("abc123"));
    }

    @Test
    void ipv4HashesItsFourNetworkOrderBytesWithoutCopyingThem() throws Exception {
        InetAddress a = InetAddress.getByName("192.168.1.77");
        assertThat(KeyHash.of(a)).isEqualTo(KeyHash.of(a.getAddress()));
        InetAddress v6 = InetAddress.getByName("2001:db8::1");
        assertThat(KeyHash.of(v6)).isEqualTo(KeyHash.of(v6.getAddress()));
    }

    @Test
    void seedsGiveIndependentHashes() {
        assertThat(KeyHash.of("b1", 1)).isNotEqualTo(KeyHash.of("b1", 2)).isNotEqualTo(KeyHash.of("b1"));
    }
}
