package io.stickylb.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TokenCodecTest {

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private final TokenCodec codec = new TokenCodec(List.of("s3cret"));
    private final AffinityToken token = new AffinityToken("b1", 0x0123456789ABCDEFL, 1_900_000_000L,
            1_900_000_123L, 0);

    @Test
    void aTokenRoundTripsAndHasTheDocumentedShape() {
        String text = codec.encode(token);
        assertThat(text).matches("1\\.[A-Za-z0-9_-]{4}\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{22}");
        assertThat(codec.decode(text, 0, text.length())).isEqualTo(token);
        assertThat(TokenCodec.looksLikeToken(text, 0, text.length())).isTrue();
    }

    @Test
    void decodingWorksInsideALargerHeaderWithoutCopying() {
        String text = codec.encode(token);
        String header = "a=1; LB_ROUTE=" + text + "; b=2";
        int from = header.indexOf(text);
        assertThat(codec.decode(header, from, from + text.length())).isEqualTo(token);
    }

    @Test
    void idsWithAnyUtf8AndTheLargestTimesRoundTrip() {
        AffinityToken t = new AffinityToken("backend-ü-東京-" + "x".repeat(200), -1L, 0xFFFFFFFFL, 0, 0);
        String text = codec.encode(t);
        assertThat(codec.decode(text, 0, text.length())).isEqualTo(t);
    }

    @Test
    void everySingleCharacterChangeIsRejected() {
        String text = codec.encode(token);
        for (String tampered : singleCharacterChanges(text)) {
            assertThat(codec.decode(tampered, 0, tampered.length())).as(tampered).isNull();
        }
    }

    private static java.util.List<String> singleCharacterChanges(String text) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < text.length(); i++) {
            for (char c : (ALPHABET + ".~").toCharArray()) {
                if (c != text.charAt(i)) {
                    out.add(text.substring(0, i) + c + text.substring(i + 1));
                }
            }
        }
        return out;
    }

    @Test
    void aVerifiedTokenIsRememberedButNoVariantOfItPassesOnTheStrengthOfThat() {
        String text = codec.encode(token);
        assertThat(codec.decode(text, 0, text.length())).isEqualTo(token);
        String header = "a=b; LB_ROUTE=" + text + "; c=d";
        int from = header.indexOf(text);
        assertThat(codec.decode(header, from, from + text.length())).as("the remembered token").isEqualTo(token);
        for (String tampered : singleCharacterChanges(text)) {
            assertThat(codec.decode(tampered, 0, tampered.length())).as(tampered).isNull();
            assertThat(codec.decode(text, 0, text.length())).isEqualTo(token);
        }
        TokenCodec otherSecret = new TokenCodec(List.of("another"));
        assertThat(otherSecret.decode(text, 0, text.length())).as("the memory belongs to one set of keys").isNull();
    }

    @Test
    void aCharacterBeyondAsciiNeverMatchesARememberedToken() {
        // The memory compares bytes: a char whose low byte equals the token's must not pass as that byte.
        String text = codec.encode(token);
        assertThat(codec.decode(text, 0, text.length())).isEqualTo(token);
        for (int i = 0; i < text.length(); i++) {
            for (int high : new int[] {0x80, 0x100, 0xff00}) {
                String wide = text.substring(0, i) + (char) (text.charAt(i) | high) + text.substring(i + 1);
                assertThat(codec.decode(wide, 0, wide.length())).as("char %d | 0x%x", i, high).isNull();
            }
        }
        assertThat(codec.decode(text, 0, text.length())).isEqualTo(token);
    }

    @Test
    void everyTruncationAndExtensionIsRejected() {
        String text = codec.encode(token);
        for (int len = 0; len < text.length(); len++) {
            assertThat(codec.decode(text, 0, len)).isNull();
            assertThat(codec.decode(text, text.length() - len, text.length())).isNull();
        }
        assertThat(codec.decode(text + "A", 0, text.length() + 1)).isNull();
    }

    @Test
    void aTokenSignedWithAnotherSecretIsRejected() {
        String foreign = new TokenCodec(List.of("other")).encode(token);
        assertThat(codec.decode(foreign, 0, foreign.length())).isNull();
    }

    @Test
    void theKeyIdPicksTheVerifyingKeyAndOlderKeysAreReported() {
        String old = new TokenCodec(List.of("old")).encode(token);
        TokenCodec rotated = new TokenCodec(List.of("new", "old"));
        AffinityToken t = rotated.decode(old, 0, old.length());
        assertThat(t).isNotNull();
        assertThat(t.keyIndex()).isEqualTo(1);
        String resigned = rotated.encode(t.pinnedTo(t.backendId(), t.refreshed()));
        assertThat(rotated.decode(resigned, 0, resigned.length()).keyIndex()).isZero();
        assertThat(new TokenCodec(List.of("new")).decode(resigned, 0, resigned.length())).isNotNull();
        assertThat(new TokenCodec(List.of("new")).decode(old, 0, old.length())).isNull();
    }

    @Test
    void aSignatureCopiedOntoAnotherPayloadIsRejected() {
        String a = codec.encode(token);
        String b = codec.encode(token.pinnedTo("b2", token.refreshed()));
        String spliced = b.substring(0, b.lastIndexOf('.')) + a.substring(a.lastIndexOf('.'));
        assertThat(codec.decode(spliced, 0, spliced.length())).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1", "1.", "garbage", "1.AAAA..",
        "2.AAAA.AAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",
        "1.AAAA.AAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",
        "1.ÄÄÄÄ.AAAAAAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA"})
    void malformedInputIsRejected(String text) {
        assertThat(codec.decode(text, 0, text.length())).isNull();
    }

    @Test
    void hugeInputIsRejectedWithoutWork() {
        String text = "1.AAAA." + "A".repeat(100_000) + ".AAAAAAAAAAAAAAAAAAAAAA";
        assertThat(codec.decode(text, 0, text.length())).isNull();
    }

    @Test
    void duplicateSecretsAreIgnoredAndAtLeastOneIsNeeded() {
        String text = codec.encode(token);
        assertThat(new TokenCodec(List.of("s3cret", "s3cret")).decode(text, 0, text.length())).isEqualTo(token);
        assertThatThrownBy(() -> new TokenCodec(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void base64UrlRejectsNonCanonicalText() {
        byte[] out = new byte[4];
        assertThat(Base64Url.decode("AQ", 0, 2, out)).isEqualTo(1);
        assertThat(Base64Url.decode("AR", 0, 2, out)).isEqualTo(-1);
        assertThat(Base64Url.decode("A", 0, 1, out)).isEqualTo(-1);
        assertThat(Base64Url.decode("A+==", 0, 4, out)).isEqualTo(-1);
    }
}
