package io.stickylb.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The scans that test eight bytes per step against byte-by-byte definitions: every byte value at every position of
 * a step and of the tail, at every alignment, and random heads mixing the bytes that matter.
 */
class HeadBytesTest {

    private static int controlAtByByte(byte[] b, int from, int to) {
        int i = from;
        while (i < to && !HeadBytes.isControl(b[i])) {
            i++;
        }
        return i;
    }

    private static int targetEndByByte(byte[] b, int from, int to) {
        int i = from;
        while (i < to && (b[i] & 0xff) >= 0x21 && (b[i] & 0xff) <= 0x7e) {
            i++;
        }
        return i;
    }

    private static int indexOfByByte(byte[] b, int from, int to, byte value) {
        for (int i = from; i < to; i++) {
            if (b[i] == value) {
                return i;
            }
        }
        return -1;
    }

    private static final byte[] SOUGHT = {'\n', ' ', ':', ',', (byte) 0x80, (byte) 0xff, 0};

    private static String where(byte[] b, int from, int to) {
        return Arrays.toString(Arrays.copyOfRange(b, from, to));
    }

    /** Fails naming the scan and the bytes when a scan disagrees with its definition; quiet (and quick) otherwise. */
    private static void assertScansAgree(byte[] b, int from, int to) {
        if (HeadBytes.controlAt(b, from, to) != controlAtByByte(b, from, to)) {
            assertThat(HeadBytes.controlAt(b, from, to)).as("controlAt %s", where(b, from, to))
                    .isEqualTo(controlAtByByte(b, from, to));
        }
        if (HeadBytes.targetEnd(b, from, to) != targetEndByByte(b, from, to)) {
            assertThat(HeadBytes.targetEnd(b, from, to)).as("targetEnd %s", where(b, from, to))
                    .isEqualTo(targetEndByByte(b, from, to));
        }
        for (byte v : SOUGHT) {
            if (HeadBytes.indexOf(b, from, to, v) != indexOfByByte(b, from, to, v)) {
                assertThat(HeadBytes.indexOf(b, from, to, v)).as("indexOf %d in %s", v, where(b, from, to))
                        .isEqualTo(indexOfByByte(b, from, to, v));
            }
        }
    }

    @Test
    void everyByteValueAtEveryPositionAndAlignment() {
        for (int v = 0; v < 256; v++) {
            for (int at = 0; at < 20; at++) {
                for (int from = 0; from <= Math.min(at, 3); from++) {
                    // Around the byte: value bytes, and, in turn, a tab (allowed) or bytes >= 0x80 (obs-text).
                    for (byte filler : new byte[] {'a', '\t', (byte) 0xc3, '~'}) {
                        byte[] b = new byte[24];
                        Arrays.fill(b, filler);
                        b[at] = (byte) v;
                        for (int to = at; to <= b.length; to++) {
                            assertScansAgree(b, from, to);
                        }
                    }
                }
            }
        }
    }

    @Test
    void randomHeadsOfTheBytesThatMatter() {
        byte[] alphabet = {'a', 'Z', '0', '/', '?', '=', '%', ' ', '\t', '\r', '\n', ':', ',', 0x7f, 0x7e, 0x21, 0x20,
            0x1f, 0, 1, (byte) 0x80, (byte) 0xff, (byte) 0x9f, (byte) 0xa0};
        Random random = new Random(20261204);
        for (int n = 0; n < 20_000; n++) {
            byte[] b = new byte[1 + random.nextInt(40)];
            // Mostly plain text with a few special bytes, so that runs of eight are often clean.
            for (int i = 0; i < b.length; i++) {
                b[i] = random.nextInt(4) == 0 ? alphabet[random.nextInt(alphabet.length)] : (byte) ('a' + i % 26);
            }
            int from = random.nextInt(b.length);
            assertScansAgree(b, from, from + random.nextInt(b.length - from + 1));
        }
    }

    @Test
    void backwardSearchStillWorks() {
        byte[] b = "a,b,c".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(HeadBytes.indexOf(b, 5, 0, (byte) ',')).isEqualTo(3);
        assertThat(HeadBytes.indexOf(b, 3, 0, (byte) ',')).isEqualTo(1);
        assertThat(HeadBytes.indexOf(b, 1, 0, (byte) ',')).isEqualTo(-1);
    }
}
