package io.stickylb.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;

/**
 * The host and path a request is routed by. For an absolute-form target ({@code GET http://h/p}) the authority of
 * the URI wins over the Host header, as RFC 9112 §3.2.2 requires. {@code OPTIONS *} asks about the server, not a
 * resource, so it is routed as the host's root path {@code /} (and forwarded with its {@code *} target).
 */
record RequestTarget(String host, String path) {

    static RequestTarget of(HttpRequest request) {
        String uri = request.uri();
        int start = authorityStart(uri);
        if (start > 0) {
            int end = authorityEnd(uri, start);
            return new RequestTarget(uri.substring(start, end), pathAndQuery(uri, end));
        }
        String host = request.headers().get(HttpHeaderNames.HOST);
        return new RequestTarget(host, uri.equals("*") ? "/" : uri);
    }

    /**
     * The origin-form of an absolute-form target (RFC 9112 §3.2.4): its path and query, {@code /} for an empty path,
     * and {@code *} for an OPTIONS with neither, which asks about the server itself.
     */
    static String originForm(HttpMethod method, String absoluteUri) {
        int end = authorityEnd(absoluteUri, authorityStart(absoluteUri));
        return end == absoluteUri.length() && method.equals(HttpMethod.OPTIONS) ? "*"
                : pathAndQuery(absoluteUri, end);
    }

    /** Where the authority of an {@code http} or {@code https} URI starts, or -1 when {@code uri} is not one. */
    static int authorityStart(String uri) {
        if (uri.regionMatches(true, 0, "http://", 0, 7)) {
            return 7;
        }
        return uri.regionMatches(true, 0, "https://", 0, 8) ? 8 : -1;
    }

    /** Where the authority that starts at {@code start} ends: at the path, the query, the fragment, or the end. */
    static int authorityEnd(String uri, int start) {
        int i = start;
        while (i < uri.length()) {
            char c = uri.charAt(i);
            if (c == '/' || c == '?' || c == '#') {
                break;
            }
            i++;
        }
        return i;
    }

    private static String pathAndQuery(String uri, int authorityEnd) {
        if (authorityEnd == uri.length()) {
            return "/";
        }
        return uri.charAt(authorityEnd) == '/' ? uri.substring(authorityEnd) : "/" + uri.substring(authorityEnd);
    }
}
