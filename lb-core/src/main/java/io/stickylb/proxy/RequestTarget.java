package io.stickylb.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

/**
 * The host and path a request is routed by. For an absolute-form target ({@code GET http://h/p}) the authority of
 * the URI wins over the Host header, as RFC 9112 §3.2.2 requires. {@code OPTIONS *} asks about the server, not a
 * resource, so it is routed as the host's root path {@code /} (and forwarded with its {@code *} target).
 */
record RequestTarget(String host, String path) {

    static RequestTarget of(HttpRequest request) {
        String uri = request.uri();
        if (uri.regionMatches(true, 0, "http://", 0, 7) || uri.regionMatches(true, 0, "https://", 0, 8)) {
            int start = uri.indexOf("//") + 2;
            int slash = uri.indexOf('/', start);
            int query = uri.indexOf('?', start);
            int end = slash >= 0 ? slash : (query >= 0 ? query : uri.length());
            String host = uri.substring(start, end);
            String path = slash >= 0 ? uri.substring(slash) : "/";
            return new RequestTarget(host, path);
        }
        String host = request.headers().get(HttpHeaderNames.HOST);
        return new RequestTarget(host, uri.equals("*") ? "/" : uri);
    }
}
