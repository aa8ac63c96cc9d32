package io.stickylb.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.function.BiPredicate;

/**
 * The optional admin token ({@code Authorization: Bearer <token>}). The presented token is compared with
 * {@link MessageDigest#isEqual}, whose running time does not depend on where the bytes differ, so the token cannot be
 * guessed byte by byte from response times. Without a configured token every request is allowed (loopback only:
 * config validation refuses a non-loopback admin listener without a token). A reload may replace the token.
 */
final class BearerAuth {

    private static final String SCHEME = "bearer ";

    /** Written by a reload, read by the admin event loop. */
    private volatile byte[] expected;
    private final BiPredicate<byte[], byte[]> equal;

    BearerAuth(String token) {
        this(token, MessageDigest::isEqual);
    }

    /** With another comparison, so tests can see that every presented token goes through it. */
    BearerAuth(String token, BiPredicate<byte[], byte[]> equal) {
        this.equal = equal;
        token(token);
    }

    /** Checks requests against {@code token} (none when null) from now on. */
    void token(String token) {
        expected = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    boolean required() {
        return expected != null;
    }

    /** True when no token is configured or the {@code Authorization} header carries the right one. */
    boolean allows(String authorization) {
        byte[] expected = this.expected;
        if (expected == null) {
            return true;
        }
        if (authorization == null || authorization.length() < SCHEME.length()
                || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return false;
        }
        byte[] presented = authorization.substring(SCHEME.length()).trim().getBytes(StandardCharsets.UTF_8);
        return equal.test(presented, expected);
    }
}
