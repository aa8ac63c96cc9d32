package io.stickylb.admin;

import io.stickylb.config.Endpoint;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * Refuses, while no admin token is configured, requests whose {@code Host} is not this machine's loopback: the
 * defence against DNS rebinding, where a page of {@code evil.example} re-points its name at 127.0.0.1 and then reads
 * and drives the admin as its own origin (its requests still say {@code Host: evil.example:9090}).
 *
 * <p>With a token there is no Host check: the token protects the API (a page cannot add {@code Authorization} to a
 * request to another origin without a CORS preflight, which this admin never grants, and a rebound page does not
 * know the token), and the dashboard's page and assets hold no data. A token is also what lets the admin be reached
 * by another name or through a proxy.
 */
final class HostCheck {

    /** Read per request: a reload may add or remove the token. */
    private final BooleanSupplier tokenRequired;
    private final String listenHost;

    HostCheck(BooleanSupplier tokenRequired, String listenHost) {
        this.tokenRequired = tokenRequired;
        this.listenHost = listenHost == null ? "" : listenHost.toLowerCase(Locale.ROOT);
    }

    /** Why a request with this {@code Host} header (null when absent) is refused, or null when it may go on. */
    String refusal(String host) {
        // No Host at all is a hand-written HTTP/1.0 request: a browser always sends one.
        if (host == null || tokenRequired.getAsBoolean() || isLocal(name(host))) {
            return null;
        }
        return "Host '" + host.trim() + "' is not this admin listener; to reach it by another name set admin.token";
    }

    private boolean isLocal(String name) {
        return !name.isEmpty() && (name.equals(listenHost) || new Endpoint(name, 0).isLoopback());
    }

    /** The host part of a Host header, lower case, without port or IPv6 brackets. */
    private static String name(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? "" : h.substring(1, end);
        }
        int colon = h.lastIndexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }
}
