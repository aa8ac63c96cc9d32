package io.stickylb.strategy;

import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;

/**
 * Signs and verifies affinity tokens: {@code 1.<kid>.<base64url(payload)>.<base64url(mac)>}, where the payload is
 * {@code nonce(8) issued(4) refreshed(4) idLength(1) id(UTF-8)} (big-endian, times in epoch seconds) and the MAC is
 * HMAC-SHA256 over the ASCII text before the last dot, truncated to 128 bits. The first key signs, every key
 * verifies; the key id picks the verifying key, so a request costs one MAC however many keys are configured.
 * Thread-safe: per-thread scratch buffers and {@link Mac}s make encode and decode allocation-light.
 */
final class TokenCodec {

    static final int MAX_ID_BYTES = 255;
    private static final int MAC_BYTES = 16;
    private static final int FIXED = 17;
    private static final int HEADER = 7;
    private static final int MAC_CHARS = Base64Url.encodedLength(MAC_BYTES);
    private static final int MAX_PAYLOAD = FIXED + MAX_ID_BYTES;
    static final int MAX_CHARS = HEADER + Base64Url.encodedLength(MAX_PAYLOAD) + 1 + MAC_CHARS;
    private static final int MIN_CHARS = HEADER + Base64Url.encodedLength(FIXED + 1) + 1 + MAC_CHARS;

    private static final FastThreadLocal<Scratch> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected Scratch initialValue() {
            return new Scratch();
        }
    };

    private final SigningKey[] keys;
    /**
     * Tokens that verified recently, by a hash of their MAC: a browser sends the same cookie on every request of a
     * keep-alive connection, and a lookup costs a few dozen nanoseconds against about half a microsecond for the MAC.
     * Only verified tokens get in, so the cache cannot make a forged token pass; max-life and max-idle are checked by
     * the caller on every request. Shared by the event loops without locks: entries are immutable records, and a lost
     * update only costs one more MAC.
     */
    private final Verified[] verified = new Verified[VERIFIED_SLOTS];
    private static final int VERIFIED_SLOTS = 1024;

    private record Verified(byte[] text, AffinityToken token) {
    }

    /** {@code secrets}: the first signs, all verify; duplicates are ignored. */
    TokenCodec(List<String> secrets) {
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("affinity needs at least one secret");
        }
        List<SigningKey> list = new ArrayList<>();
        for (String s : secrets) {
            SigningKey k = SigningKey.of(s);
            if (list.contains(k)) {
                continue;
            }
            for (SigningKey other : list) {
                if (other.kid == k.kid) {
                    throw new IllegalArgumentException("affinity secrets #" + (list.indexOf(other) + 1) + " and #"
                            + (secrets.indexOf(s) + 1) + " share key id " + other + "; change one of them");
                }
            }
            list.add(k);
        }
        this.keys = list.toArray(new SigningKey[0]);
    }

    /** Encodes and signs a token with the first key. */
    String encode(AffinityToken t) {
        byte[] id = t.backendId().getBytes(StandardCharsets.UTF_8);
        if (id.length > MAX_ID_BYTES) {
            throw new IllegalArgumentException("backend id longer than " + MAX_ID_BYTES + " bytes: " + t.backendId());
        }
        Scratch s = SCRATCH.get();
        byte[] p = s.payload;
        putLong(p, 0, t.nonce());
        putInt(p, 8, (int) t.issued());
        putInt(p, 12, (int) t.refreshed());
        p[16] = (byte) id.length;
        System.arraycopy(id, 0, p, FIXED, id.length);
        SigningKey key = keys[0];
        byte[] text = s.text;
        text[0] = '1';
        text[1] = '.';
        System.arraycopy(key.kidText, 0, text, 2, 4);
        text[6] = '.';
        int n = Base64Url.encode(p, 0, FIXED + id.length, text, HEADER);
        mac(s, key, text, n);
        text[n] = '.';
        int end = Base64Url.encode(s.digest, 0, MAC_BYTES, text, n + 1);
        return new String(text, 0, end, StandardCharsets.ISO_8859_1);
    }

    /** The verified token in {@code s[from, to)}, or null when it is malformed, foreign or tampered with. */
    AffinityToken decode(CharSequence s, int from, int to) {
        int len = to - from;
        if (len < MIN_CHARS || len > MAX_CHARS || s.charAt(from) != '1' || s.charAt(from + 1) != '.'
                || s.charAt(from + 6) != '.' || s.charAt(to - MAC_CHARS - 1) != '.') {
            return null;
        }
        // One pass copies the text into bytes: the verified-token memory is compared on them, and on a miss the MAC
        // is computed over them.
        Scratch scratch = SCRATCH.get();
        byte[] text = scratch.text;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c >= 128) {
                return null;
            }
            text[i - from] = (byte) c;
        }
        int slot = macHash(text, len) & (VERIFIED_SLOTS - 1);
        Verified seen = verified[slot];
        if (seen != null && sameText(seen.text(), text, len)) {
            return seen.token();
        }
        int keyIndex = keyIndex(s, from + 2);
        if (keyIndex < 0) {
            return null;
        }
        int signedEnd = to - MAC_CHARS - 1;
        mac(scratch, keys[keyIndex], text, signedEnd - from);
        byte[] given = scratch.given;
        if (Base64Url.decode(s, signedEnd + 1, to, given) != MAC_BYTES || !equalPrefix(given, scratch.digest)) {
            return null;
        }
        byte[] p = scratch.payload;
        int n = Base64Url.decode(s, from + HEADER, signedEnd, p);
        if (n < FIXED + 1 || n != FIXED + (p[16] & 0xFF)) {
            return null;
        }
        AffinityToken token = new AffinityToken(new String(p, FIXED, n - FIXED, StandardCharsets.UTF_8),
                getLong(p, 0), getInt(p, 8) & 0xFFFFFFFFL, getInt(p, 12) & 0xFFFFFFFFL, keyIndex);
        verified[slot] = new Verified(Arrays.copyOf(text, len), token);
        return token;
    }

    /** The MAC's last characters: uniformly distributed for real tokens. */
    private static int macHash(byte[] text, int len) {
        int h = 0;
        for (int i = len - 8; i < len; i++) {
            h = h * 31 + text[i];
        }
        return h ^ (h >>> 16);
    }

    /** Compares without an early exit, so timing does not tell how much of a guess matched a remembered token. */
    private static boolean sameText(byte[] known, byte[] text, int len) {
        if (known.length != len) {
            return false;
        }
        int diff = 0;
        for (int i = 0; i < len; i++) {
            diff |= known[i] ^ text[i];
        }
        return diff == 0;
    }

    /**
     * Whether {@code s[from, to)} has the shape of a token (prefix mode uses it to tell a stale or forged prefix,
     * which is stripped, from a session id that merely contains the separator, which is left alone).
     */
    static boolean looksLikeToken(CharSequence s, int from, int to) {
        int len = to - from;
        if (len < MIN_CHARS || len > MAX_CHARS || s.charAt(from) != '1' || s.charAt(from + 1) != '.') {
            return false;
        }
        int dots = 0;
        for (int i = from + 2; i < to; i++) {
            char c = s.charAt(i);
            if (c == '.') {
                dots++;
            } else if (!Base64Url.isAlphabet(c)) {
                return false;
            }
        }
        return dots == 2;
    }

    private int keyIndex(CharSequence s, int at) {
        int kid = 0;
        for (int i = 0; i < 4; i++) {
            char c = s.charAt(at + i);
            if (!Base64Url.isAlphabet(c)) {
                return -1;
            }
            kid = kid << 6 | sextet(c);
        }
        for (int i = 0; i < keys.length; i++) {
            if (keys[i].kid == kid) {
                return i;
            }
        }
        return -1;
    }

    private static int sextet(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        return c == '-' ? 62 : 63;
    }

    private static void mac(Scratch s, SigningKey key, byte[] text, int len) {
        Mac mac = s.mac(key);
        mac.update(text, 0, len);
        try {
            mac.doFinal(s.digest, 0);
        } catch (ShortBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Constant-time comparison of the first {@link #MAC_BYTES}: timing must not reveal how much of a MAC matched. */
    private static boolean equalPrefix(byte[] a, byte[] b) {
        int diff = 0;
        for (int i = 0; i < MAC_BYTES; i++) {
            diff |= a[i] ^ b[i];
        }
        return diff == 0;
    }

    private static void putLong(byte[] b, int at, long v) {
        putInt(b, at, (int) (v >>> 32));
        putInt(b, at + 4, (int) v);
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    private static long getLong(byte[] b, int at) {
        return (long) getInt(b, at) << 32 | getInt(b, at + 4) & 0xFFFFFFFFL;
    }

    private static int getInt(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | b[at + 3] & 0xFF;
    }

    /** Per-thread buffers and MACs (indexed by {@link SigningKey#slot}). */
    private static final class Scratch {
        final byte[] text = new byte[MAX_CHARS];
        final byte[] payload = new byte[MAX_PAYLOAD];
        final byte[] digest = new byte[32];
        final byte[] given = new byte[MAC_BYTES + 2];
        Mac[] macs = new Mac[4];

        Mac mac(SigningKey key) {
            if (key.slot >= macs.length) {
                macs = Arrays.copyOf(macs, Math.max(key.slot + 1, macs.length * 2));
            }
            Mac m = macs[key.slot];
            if (m == null) {
                m = key.newMac();
                macs[key.slot] = m;
            }
            return m;
        }
    }
}
