package io.stickylb.strategy;

import io.netty.handler.codec.http.HttpRequest;
import io.stickylb.config.AffinityConfig;
import java.util.Locale;

/**
 * {@code route-suffix} mode, mod_jk's convention: the backend appends {@code .<route>} to its own session id
 * ({@code JSESSIONID=abc.b1}), and stickylb routes on the part after the last dot, matched against each backend's
 * {@code route} (its id unless configured). The cookie, or else a {@code ;jsessionid=abc.b1} path parameter, is read
 * and never modified. A route no backend has counts as BROKEN_REMOVED.
 */
final class RouteSuffix implements AffinityCarrier {

    private final String name;
    private final String pathParameter;

    RouteSuffix(AffinityConfig config) {
        this.name = config.cookieName();
        this.pathParameter = config.cookieName().toLowerCase(Locale.ROOT);
    }

    @Override
    public void read(HttpRequest request, AffinityState state) {
        String session = CookieHeaders.requestValue(request.headers(), name);
        if (session == null) {
            String uri = request.uri();
            long r = pathParameter(uri, pathParameter);
            if (r < 0) {
                return;
            }
            session = uri.substring(CookieHeaders.start(r), CookieHeaders.end(r));
        }
        int dot = session.lastIndexOf('.');
        if (dot < 0 || dot == session.length() - 1) {
            return;
        }
        state.sessionId = session;
        state.pin(session.substring(dot + 1), Rendezvous.keyOf(session.substring(0, dot)));
    }

    @Override
    public boolean homeIsRoute() {
        return true;
    }

    /**
     * The range of path parameter {@code name} ({@code /a;jsessionid=ID.route?q}, name case-insensitive) in a
     * request target, or -1. Only the path is searched, never the query.
     */
    static long pathParameter(String uri, String name) {
        int pathEnd = uri.indexOf('?');
        if (pathEnd < 0) {
            pathEnd = uri.indexOf('#');
        }
        if (pathEnd < 0) {
            pathEnd = uri.length();
        }
        int at = uri.indexOf(';');
        while (at >= 0 && at < pathEnd) {
            int nameEnd = at + 1 + name.length();
            if (nameEnd < pathEnd && uri.charAt(nameEnd) == '=' && uri.regionMatches(true, at + 1, name, 0,
                    name.length())) {
                int end = nameEnd + 1;
                while (end < pathEnd && uri.charAt(end) != ';' && uri.charAt(end) != '/') {
                    end++;
                }
                return end > nameEnd + 1 ? (long) (nameEnd + 1) << 32 | end : -1;
            }
            at = uri.indexOf(';', at + 1);
        }
        return -1;
    }
}
