package io.stickylb.admin;

import io.netty.handler.codec.http.HttpMethod;
import java.util.Locale;

/**
 * Refuses state-changing admin requests that a browser sends for a page of another web site (cross-site request
 * forgery): a page can POST to the admin without a CORS preflight ({@code mode: "no-cors"}, a plain form), and though
 * it cannot read the answer, the backend is drained all the same. Browsers mark such requests, and a page cannot
 * forge the marks: {@code Sec-Fetch-Site} (current browsers) and {@code Origin} (all of them, on every cross-origin
 * POST or PUT). Requests without either (curl, {@code lb}, scripts) are not a browser's and pass.
 */
final class OriginCheck {

    private OriginCheck() {
    }

    /** Why the request is refused, or null when it may go on. */
    static String refusal(HttpMethod method, String host, String origin, String fetchSite) {
        if (method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD) || method.equals(HttpMethod.OPTIONS)) {
            return null;
        }
        if (fetchSite != null) {
            // The browser's own verdict, so it outranks Origin: behind a proxy that rewrites Host the dashboard's
            // buttons still say same-origin. "same-site" is refused too: another port of this host is another app.
            String site = fetchSite.trim().toLowerCase(Locale.ROOT);
            return site.equals("same-origin") || site.equals("none") ? null
                    : "cross-site request refused (Sec-Fetch-Site: " + fetchSite.trim() + "): a page of another web"
                            + " site cannot change this admin; use lb, curl or the dashboard served here";
        }
        if (origin == null || sameOrigin(origin.trim(), host)) {
            return null;
        }
        return "cross-origin request refused: Origin '" + origin.trim() + "' is not this admin listener"
                + (host == null ? "" : " (http://" + host.trim() + ")")
                + "; a page of another web site cannot change this admin; use lb, curl or the dashboard served here";
    }

    /**
     * True when {@code origin} names the host and port the request was sent to. Either scheme counts: behind a
     * TLS-terminating proxy that keeps Host, the page's origin is https while this listener speaks http.
     */
    private static boolean sameOrigin(String origin, String host) {
        if (host == null) {
            return false;
        }
        String o = origin.toLowerCase(Locale.ROOT);
        String defaultPort;
        if (o.startsWith("http://")) {
            o = o.substring("http://".length());
            defaultPort = ":80";
        } else if (o.startsWith("https://")) {
            o = o.substring("https://".length());
            defaultPort = ":443";
        } else {
            return false; // "null" (sandboxed frames, file: pages) or a scheme no admin page has
        }
        if (o.isEmpty() || o.indexOf('/') >= 0) {
            return false;
        }
        return withoutPort(o, defaultPort).equals(withoutPort(host.trim().toLowerCase(Locale.ROOT), defaultPort));
    }

    private static String withoutPort(String authority, String defaultPort) {
        return authority.endsWith(defaultPort) ? authority.substring(0, authority.length() - defaultPort.length())
                : authority;
    }
}
