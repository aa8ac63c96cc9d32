package io.stickylb.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.NetUtil;
import io.stickylb.codec.RawHeaders;

/**
 * Checks a decoded request head for what Netty's decoder lets through but a proxy must not forward (RFC 9112): only
 * HTTP/1.0 and 1.1 (505 otherwise); exactly one valid Host on HTTP/1.1, at most one on 1.0 (§3.2); origin-form,
 * absolute-form with an authority valid as a Host, or {@code *} for OPTIONS as the target, without a fragment
 * (§3.2); no CONNECT (405: stickylb does not tunnel); at most {@code maxHeaderCount} header lines (431). Framing
 * (Content-Length with Transfer-Encoding, differing lengths, unknown codings, any Transfer-Encoding on HTTP/1.0) is
 * already checked by the request parser.
 */
final class RequestValidator {

    /**
     * The {@code Allow} of the 405 that answers CONNECT: every other method is forwarded (an extension method too,
     * though it cannot be listed), so these are RFC 9110's own and PATCH (RFC 5789).
     */
    static final String FORWARDED_METHODS = "GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE, PATCH";

    private RequestValidator() {
    }

    /** The status to answer with (the connection then closes), or null when the request may be forwarded. */
    static HttpResponseStatus check(HttpRequest request, int maxHeaderCount) {
        HttpVersion v = request.protocolVersion();
        if (!v.protocolName().equals("HTTP") || v.majorVersion() != 1 || v.minorVersion() > 1) {
            return HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED;
        }
        HttpHeaders headers = request.headers();
        if (headers.size() > maxHeaderCount) {
            return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        }
        if (request.method().equals(HttpMethod.CONNECT)) {
            return HttpResponseStatus.METHOD_NOT_ALLOWED;
        }
        if (!validTarget(request.method(), request.uri())) {
            return HttpResponseStatus.BAD_REQUEST;
        }
        int hosts = headers instanceof RawHeaders raw
                ? raw.occurrences("host") : headers.getAll(HttpHeaderNames.HOST).size();
        boolean http11 = v.minorVersion() == 1;
        if (hosts > 1 || (http11 && hosts == 0)) {
            return HttpResponseStatus.BAD_REQUEST;
        }
        if (hosts == 1 && !validHost(headers.get(HttpHeaderNames.HOST))) {
            return HttpResponseStatus.BAD_REQUEST;
        }
        return null;
    }

    private static boolean validTarget(HttpMethod method, String uri) {
        if (uri.isEmpty()) {
            return false;
        }
        if (uri.equals("*")) {
            return method.equals(HttpMethod.OPTIONS);
        }
        if (!uri.startsWith("/")) {
            // RFC 9110 §4.2.4: userinfo is an error in an http(s) URI, and §4.2.1 an empty host; the authority
            // becomes the forwarded Host, so it must pass as one.
            int start = RequestTarget.authorityStart(uri);
            if (start < 0 || !validHost(uri, start, RequestTarget.authorityEnd(uri, start))) {
                return false;
            }
        }
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            // RFC 3986 characters only; no controls, spaces, quotes, angle brackets or non-ASCII. No fragment
            // either (RFC 9112 §3.2): a backend might take what follows '#' as part of the path, or drop it.
            if (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' || c == '`'
                    || c == '{' || c == '|' || c == '}' || c == '#') {
                return false;
            }
        }
        return true;
    }

    /** uri-host [ ":" port ] with a non-empty reg-name, IPv4 or bracketed IPv6 host (RFC 3986 §3.2.2). */
    static boolean validHost(String host) {
        return validHost(host, 0, host.length());
    }

    /** As {@link #validHost(String)}, for the authority at {@code s[from, to)}. */
    static boolean validHost(String s, int from, int to) {
        int i = from;
        if (i < to && s.charAt(i) == '[') {
            int close = s.indexOf(']', i);
            if (close < 0 || close >= to) {
                return false;
            }
            for (int j = i + 1; j < close; j++) {
                char c = s.charAt(j);
                if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                    return false;
                }
            }
            // Its characters alone let [] (an empty host, RFC 9110 §4.2.4) and [1:2:3:4:5:6:7:8:9] through.
            if (!NetUtil.isValidIpV6Address(s.substring(i + 1, close))) {
                return false;
            }
            i = close + 1;
        } else {
            while (i < to && s.charAt(i) != ':') {
                char c = s.charAt(i);
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-'
                        || c == '_' || c == '~' || c == '%')) {
                    return false;
                }
                i++;
            }
            if (i == from) {
                return false; // no host, with or without a port
            }
        }
        if (i == to) {
            return true;
        }
        if (s.charAt(i) != ':' || to - i - 1 > 5) {
            return false;
        }
        int port = 0;
        for (int j = i + 1; j < to; j++) {
            char c = s.charAt(j);
            if (c < '0' || c > '9') {
                return false;
            }
            port = port * 10 + (c - '0');
        }
        return port <= 65_535;
    }
}
