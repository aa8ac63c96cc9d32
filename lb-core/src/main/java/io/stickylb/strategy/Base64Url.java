package io.stickylb.strategy;

/**
 * Unpadded base64url (RFC 4648 §5) into and out of caller-owned arrays, so the affinity token hot path allocates
 * nothing. Decoding is strict: a non-alphabet character or non-zero trailing bits reject the input, so every byte
 * string has exactly one accepted text form.
 */
final class Base64Url {

    private static final byte[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".getBytes(
                    java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] VALUES = new byte[128];

    static {
        java.util.Arrays.fill(VALUES, (byte) -1);
        for (int i = 0; i < ALPHABET.length; i++) {
            VALUES[ALPHABET[i]] = (byte) i;
        }
    }

    private Base64Url() {
    }

    /** Characters needed for {@code n} bytes. */
    static int encodedLength(int n) {
        return (n * 8 + 5) / 6;
    }

    /** Encodes {@code src[off, off+len)} as ASCII bytes at {@code dst[at]}; returns the index after the last one. */
    static int encode(byte[] src, int off, int len, byte[] dst, int at) {
        int end = off + len;
        int i = off;
        for (; i + 3 <= end; i += 3) {
            int v = (src[i] & 0xFF) << 16 | (src[i + 1] & 0xFF) << 8 | src[i + 2] & 0xFF;
            dst[at++] = ALPHABET[v >>> 18];
            dst[at++] = ALPHABET[v >>> 12 & 63];
            dst[at++] = ALPHABET[v >>> 6 & 63];
            dst[at++] = ALPHABET[v & 63];
        }
        int rest = end - i;
        if (rest == 1) {
            int v = src[i] & 0xFF;
            dst[at++] = ALPHABET[v >>> 2];
            dst[at++] = ALPHABET[v << 4 & 63];
        } else if (rest == 2) {
            int v = (src[i] & 0xFF) << 8 | src[i + 1] & 0xFF;
            dst[at++] = ALPHABET[v >>> 10];
            dst[at++] = ALPHABET[v >>> 4 & 63];
            dst[at++] = ALPHABET[v << 2 & 63];
        }
        return at;
    }

    /**
     * Decodes {@code s[from, to)} into {@code dst} from index 0; returns the byte count, or -1 when the text is not
     * canonical unpadded base64url or does not fit.
     */
    static int decode(CharSequence s, int from, int to, byte[] dst) {
        int len = to - from;
        if (len % 4 == 1) {
            return -1;
        }
        int n = len * 6 / 8;
        if (n > dst.length) {
            return -1;
        }
        int out = 0;
        int i = from;
        for (; i + 4 <= to; i += 4) {
            int v = value(s.charAt(i)) << 18 | value(s.charAt(i + 1)) << 12 | value(s.charAt(i + 2)) << 6
                    | value(s.charAt(i + 3));
            if (v < 0) {
                return -1;
            }
            dst[out++] = (byte) (v >>> 16);
            dst[out++] = (byte) (v >>> 8);
            dst[out++] = (byte) v;
        }
        int rest = to - i;
        if (rest == 2) {
            int a = value(s.charAt(i));
            int b = value(s.charAt(i + 1));
            if ((a | b) < 0 || (b & 0xF) != 0) {
                return -1;
            }
            dst[out++] = (byte) (a << 2 | b >>> 4);
        } else if (rest == 3) {
            int a = value(s.charAt(i));
            int b = value(s.charAt(i + 1));
            int c = value(s.charAt(i + 2));
            if ((a | b | c) < 0 || (c & 0x3) != 0) {
                return -1;
            }
            dst[out++] = (byte) (a << 2 | b >>> 4);
            dst[out++] = (byte) (b << 4 | c >>> 2);
        }
        return out;
    }

    /** The 6-bit value of an alphabet character, or a negative number (which stays negative when OR-ed). */
    private static int value(char c) {
        return c < 128 ? VALUES[c] : -1;
    }

    static boolean isAlphabet(char c) {
        return c < 128 && VALUES[c] >= 0;
    }
}
