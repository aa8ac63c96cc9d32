package io.stickylb.sample.session;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Session ids in Tomcat's shape: 128 random bits from {@link SecureRandom} as 32 upper-case hex digits. */
public final class SessionIds {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private SessionIds() {
    }

    /** A new random id; never contains a dot, so a {@code .route} suffix can always be told apart. */
    public static String next() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return HEX.formatHex(bytes);
    }

    /** The id without its {@code .route} suffix: everything before the first dot. */
    public static String stripRoute(String value) {
        int dot = value.indexOf('.');
        return dot < 0 ? value : value.substring(0, dot);
    }

    /** The id as the client sees it: with {@code .jvmRoute} appended when a route is configured. */
    public static String withRoute(String id, String jvmRoute) {
        return jvmRoute == null || jvmRoute.isEmpty() ? id : id + "." + jvmRoute;
    }
}
