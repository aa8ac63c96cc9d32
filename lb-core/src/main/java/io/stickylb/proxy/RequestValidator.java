package io.stickylb.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.stickylb.codec.RawHeaders;

/**
 * Checks a decoded request head for what Netty's decoder lets through but a proxy must not forward (RFC 9112): only
 * HTTP/1.0 and 1.1 (505 otherwise); exactly one valid Host on HTTP/1.1, at most one on 1.0 (§3.2); origin-form,
 * absolute-form, or {@code *} for OPTIONS as the target (§3.2); no CONNECT (stickylb does not tunnel); at most
 * {@code maxHeaderCount} header lines (431). Framing (Content-Length with Transfer-Encoding, differing lengths,
 * unknown codings, any Transfer-Encoding on HTTP/1.0) is already checked by the request parser.
 */
final class RequestValidator {

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
        if (!uri.startsWith("/") && !uri.regionMatches(true, 0, "http://", 0, 7)
                && !uri.regionMatches(true, 0, "https://", 0, 8)) {
            return false;
        }
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            // RFC 3986 characters only; no controls, spaces, quotes, angle brackets or non-ASCII.
            if (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' || c == '`'
                    || c == '{' || c == '|' || c == '}') {
                return false;
            }
        }
        return true;
    }

    /** uri-host [ ":" port ] with a reg-name, IPv4 or bracketed IPv6 host (RFC 3986 §3.2.2). */
    static boolean validHost(String host) {
        if (host.isEmpty()) {
            return false;
        }
        int i = 0;
        int n = host.length();
        if (host.charAt(0) == '[') {
            int close = host.indexOf(']');
            if (close < 0) {
                return false;
            }
            for (int j = 1; j < close; j++) {
                char c = host.charAt(j);
                if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                    return false;
                }
            }
            i = close + 1;
        } else {
            while (i < n && host.charAt(i) != ':') {
                char c = host.charAt(i);
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-'
                        || c == '_' || c == '~' || c == '%')) {
                    return false;
                }
                i++;
            }
        }
        if (i == n) {
            return true;
        }
        if (host.charAt(i) != ':' || n - i - 1 > 5) {
            return false;
        }
        for (int j = i + 1; j < n; j++) {
            if (!Character.isDigit(host.charAt(j))) {
                return false;
            }
        }
        return true;
    }
}
