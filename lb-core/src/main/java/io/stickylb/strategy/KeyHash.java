package io.stickylb.strategy;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

/**
 * xxHash64 (seed 0 unless given) of a key's bytes: client addresses, header and cookie values, backend ids. It is
 * fixed and seedless on purpose, so every proxy instance, and the same instance after a restart, maps a key alike.
 */
final class KeyHash {

    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final long P5 = 0x27D4EB2F165667C5L;

    private KeyHash() {
    }

    /** The hash of an address's network-order bytes; IPv4 reads the int Inet4Address already holds, not a copy. */
    static long of(InetAddress address) {
        if (address instanceof Inet4Address) {
            // Inet4Address.hashCode() is the address itself; getAddress() would allocate a fresh array per request.
            return ofIpv4(address.hashCode());
        }
        return of(address.getAddress());
    }

    /** Equal to {@code of(bytes)} for the four big-endian bytes of {@code address}. */
    static long ofIpv4(int address) {
        long h = P5 + 4;
        h ^= (Integer.reverseBytes(address) & 0xFFFFFFFFL) * P1;
        h = Long.rotateLeft(h, 23) * P2 + P3;
        return avalanche(h);
    }

    static long of(byte[] bytes) {
        return hash(bytes, null, 0, bytes.length, 0);
    }

    /** The hash of the UTF-8 bytes of {@code s}. */
    static long of(CharSequence s) {
        return of(s, 0, s.length(), 0);
    }

    static long of(CharSequence s, long seed) {
        return of(s, 0, s.length(), seed);
    }

    /** The hash of the UTF-8 bytes of {@code s[from, to)}; ASCII (every header value in practice) is read in place. */
    static long of(CharSequence s, int from, int to, long seed) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) >= 0x80) {
                byte[] utf8 = s.subSequence(from, to).toString().getBytes(StandardCharsets.UTF_8);
                return hash(utf8, null, 0, utf8.length, seed);
            }
        }
        return hash(null, s, from, to - from, seed);
    }

    /** One xxHash64 body over either a byte array or an all-ASCII char sequence, so the two cannot drift apart. */
    private static long hash(byte[] b, CharSequence s, int off, int len, long seed) {
        int p = off;
        int end = off + len;
        long h;
        if (len >= 32) {
            long v1 = seed + P1 + P2;
            long v2 = seed + P2;
            long v3 = seed;
            long v4 = seed - P1;
            for (; p <= end - 32; p += 32) {
                v1 = round(v1, lane64(b, s, p));
                v2 = round(v2, lane64(b, s, p + 8));
                v3 = round(v3, lane64(b, s, p + 16));
                v4 = round(v4, lane64(b, s, p + 24));
            }
            h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
            h = merge(h, v1);
            h = merge(h, v2);
            h = merge(h, v3);
            h = merge(h, v4);
        } else {
            h = seed + P5;
        }
        h += len;
        for (; p <= end - 8; p += 8) {
            h ^= round(0, lane64(b, s, p));
            h = Long.rotateLeft(h, 27) * P1 + P4;
        }
        if (p <= end - 4) {
            h ^= (lane32(b, s, p) & 0xFFFFFFFFL) * P1;
            h = Long.rotateLeft(h, 23) * P2 + P3;
            p += 4;
        }
        for (; p < end; p++) {
            h ^= u8(b, s, p) * P5;
            h = Long.rotateLeft(h, 11) * P1;
        }
        return avalanche(h);
    }

    private static long round(long acc, long input) {
        acc += input * P2;
        return Long.rotateLeft(acc, 31) * P1;
    }

    private static long merge(long acc, long v) {
        acc ^= round(0, v);
        return acc * P1 + P4;
    }

    private static long avalanche(long h) {
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        h ^= h >>> 32;
        return h;
    }

    // xxHash reads little-endian lanes.
    private static long lane64(byte[] b, CharSequence s, int p) {
        return (lane32(b, s, p) & 0xFFFFFFFFL) | ((long) lane32(b, s, p + 4) << 32);
    }

    private static int lane32(byte[] b, CharSequence s, int p) {
        return u8(b, s, p) | u8(b, s, p + 1) << 8 | u8(b, s, p + 2) << 16 | u8(b, s, p + 3) << 24;
    }

    private static int u8(byte[] b, CharSequence s, int p) {
        return b != null ? b[p] & 0xFF : s.charAt(p);
    }
}
