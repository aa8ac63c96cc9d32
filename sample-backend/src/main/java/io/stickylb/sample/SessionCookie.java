package io.stickylb.sample;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.util.Locale;

/** Finds the session id a request carries (cookie first, then {@code ;jsessionid=}) and formats the cookie. */
final class SessionCookie {

    static final String NAME = "JSESSIONID";
    private static final String PATH_PARAM = ";jsessionid=";

    private SessionCookie() {
    }

    /**
     * A session id as the client sent it, route suffix included.
     *
     * @param value      the raw value
     * @param fromCookie whether it came from a cookie (else from the URL)
     */
    record Requested(String value, boolean fromCookie) {
    }

    /** The first non-empty {@code JSESSIONID} cookie, else the URL-rewriting path parameter, else {@code null}. */
    static Requested requested(HttpRequest request) {
        for (String header : request.headers().getAll(HttpHeaderNames.COOKIE)) {
            for (Cookie cookie : ServerCookieDecoder.LAX.decodeAll(header)) {
                if (NAME.equals(cookie.name()) && !cookie.value().isEmpty()) {
                    return new Requested(cookie.value(), true);
                }
            }
        }
        String fromPath = fromPath(request.uri());
        return fromPath == null ? null : new Requested(fromPath, false);
    }

    /** The value of a {@code ;jsessionid=} path parameter in {@code uri}, or {@code null}. */
    static String fromPath(String uri) {
        int query = uri.indexOf('?');
        String path = query < 0 ? uri : uri.substring(0, query);
        int at = path.toLowerCase(Locale.ROOT).indexOf(PATH_PARAM);
        if (at < 0) {
            return null;
        }
        int start = at + PATH_PARAM.length();
        int end = start;
        while (end < path.length() && path.charAt(end) != ';' && path.charAt(end) != '/') {
            end++;
        }
        return end > start ? path.substring(start, end) : null;
    }

    /** The {@code Set-Cookie} value for a session id (already carrying its route). */
    static String setCookie(String value) {
        return NAME + "=" + value + "; Path=/; HttpOnly";
    }
}
