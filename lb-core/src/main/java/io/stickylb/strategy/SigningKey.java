package io.stickylb.strategy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One affinity secret as an HMAC-SHA256 key with its key id: the first 24 bits of SHA-256(secret), written as four
 * base64url characters in every token so a verifier finds the key without trying each one. Keys are interned per
 * process and numbered, so each thread caches one {@link Mac} per distinct secret however often the config reloads.
 */
final class SigningKey {

    private static final ConcurrentHashMap<ByteBuffer, SigningKey> INTERNED = new ConcurrentHashMap<>();
    private static final AtomicInteger SLOTS = new AtomicInteger();

    /** Index of this key's {@link Mac} in each thread's cache. */
    final int slot;
    /** The 24-bit key id. */
    final int kid;
    /** The key id as the four base64url characters tokens carry. */
    final byte[] kidText;
    private final SecretKeySpec spec;

    private SigningKey(int slot, byte[] secret, byte[] fingerprint) {
        this.slot = slot;
        this.kid = (fingerprint[0] & 0xFF) << 16 | (fingerprint[1] & 0xFF) << 8 | fingerprint[2] & 0xFF;
        this.kidText = new byte[4];
        Base64Url.encode(fingerprint, 0, 3, kidText, 0);
        this.spec = new SecretKeySpec(secret, "HmacSHA256");
    }

    /** The key for this secret (its UTF-8 bytes are the HMAC key). */
    static SigningKey of(String secret) {
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        byte[] fingerprint = sha256(bytes);
        return INTERNED.computeIfAbsent(ByteBuffer.wrap(fingerprint),
                k -> new SigningKey(SLOTS.getAndIncrement(), bytes, fingerprint));
    }

    /** A fresh MAC with this key; callers cache it per thread (a Mac is not thread-safe). */
    Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(spec);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }

    @Override
    public String toString() {
        return "key " + new String(kidText, StandardCharsets.US_ASCII);
    }
}
