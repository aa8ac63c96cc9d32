package io.stickylb.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.stickylb.codec.BackendResponse;
import io.stickylb.codec.ClientRequest;
import io.stickylb.codec.RawHeaders;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites message heads as a proxy must (RFC 9110 §7.6): hop-by-hop headers are removed in both directions and
 * requests get {@code X-Forwarded-For/-Proto/-Host}. Incoming {@code X-Forwarded-*} are kept and appended to only
 * when the peer is a trusted proxy; from anyone else they are replaced, and {@code Forwarded} is removed, so clients
 * cannot forge their origin. With {@code forwarded-headers: false} a request only loses its hop-by-hop headers
 * ({@link #rewriteHopByHop}), and whatever forwarding headers it came with pass as they are, as through HAProxy without
 * {@code option forwardfor} or nginx without {@code proxy_set_header}.
 */
public final class ForwardedHeaders {

    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    private static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    private static final AsciiString HTTP = AsciiString.cached("http");
    private static final AsciiString HTTPS = AsciiString.cached("https");
    /** The hop-by-hop fields (RFC 9110 §7.6.1), lower case, and those Connection may never name. */
    private static final List<String> HOP_BY_HOP = List.of("connection", "keep-alive", "proxy-connection", "te",
            "trailer", "upgrade");
    private static final Set<String> PROTECTED = Set.of("transfer-encoding", "content-length", "host");

    private ForwardedHeaders() {
    }

    /**
     * Prepares a client request for the backend: HTTP/1.1 with keep-alive, no hop-by-hop headers, forwarding
     * headers set. Transfer-Encoding stays: Netty's encoder uses it to re-frame the body as chunks.
     */
    public static void rewriteRequest(HttpRequest request, String clientIp, boolean peerTrusted) {
        rewriteRequest(request, clientIp, peerTrusted, false);
    }

    /** As {@link #rewriteRequest(HttpRequest, String, boolean)}; {@code tls} when the client reached us over TLS. */
    public static void rewriteRequest(HttpRequest request, String clientIp, boolean peerTrusted, boolean tls) {
        AsciiString proto = tls ? HTTPS : HTTP;
        rewriteHopByHop(request);
        HttpHeaders h = request.headers();
        if (peerTrusted) {
            List<String> prior = h.getAll(X_FORWARDED_FOR);
            h.set(X_FORWARDED_FOR, prior.isEmpty() ? clientIp : String.join(", ", prior) + ", " + clientIp);
            if (!h.contains(X_FORWARDED_PROTO)) {
                h.set(X_FORWARDED_PROTO, proto);
            }
            if (!h.contains(X_FORWARDED_HOST)) {
                setForwardedHost(h);
            }
        } else {
            h.set(X_FORWARDED_FOR, clientIp);
            h.set(X_FORWARDED_PROTO, proto);
            setForwardedHost(h);
            if (!(request instanceof ClientRequest raw) || raw.hasForwarded()) {
                h.remove(FORWARDED); // stickylb does not write it, so one from an untrusted peer can only be forged
            }
        }
    }

    /**
     * Prepares a client request for the backend without forwarding headers: HTTP/1.1 with keep-alive and no
     * hop-by-hop headers; any {@code X-Forwarded-*} or {@code Forwarded} it came with passes unchanged.
     */
    public static void rewriteHopByHop(HttpRequest request) {
        if (request instanceof ClientRequest raw) {
            if (raw.hasHopByHop() && !raw.fields().removeMarkedHopByHop()) {
                raw.fields().removeAll(hopByHopNames(raw.fields()));
            }
        } else {
            removeHopByHop(request.headers());
        }
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
    }

    private static void setForwardedHost(HttpHeaders h) {
        String host = h.get(HttpHeaderNames.HOST);
        if (host != null) {
            h.set(X_FORWARDED_HOST, host);
        } else {
            h.remove(X_FORWARDED_HOST);
        }
    }

    /** Removes hop-by-hop headers from a backend response before it is relayed. */
    public static void rewriteResponse(HttpMessage response) {
        removeHopByHop(response.headers());
    }

    /**
     * As {@link #rewriteResponse}, for a backend's head already known to carry hop-by-hop fields: one pass over its
     * received fields removes them all.
     */
    static void rewriteResponse(BackendResponse response) {
        RawHeaders h = response.fields();
        if (!h.removeMarkedHopByHop()) {
            h.removeAll(hopByHopNames(h));
        }
    }

    /**
     * Connection and every header it names, Keep-Alive, Proxy-Connection, TE, Trailer and Upgrade (a WebSocket
     * handshake gets its two fields back afterwards, see {@link WebSocketUpgrade}; no other switch is forwarded).
     */
    static void removeHopByHop(HttpHeaders h) {
        if (anyHopByHop(h)) {
            removeHopByHopFields(h);
        }
        // else the common case: one pass over a few names instead of six hash lookups and a list
    }

    private static void removeHopByHopFields(HttpHeaders h) {
        for (String name : hopByHopNames(h)) {
            h.remove(name);
        }
    }

    /** The hop-by-hop names, lower case, plus those the Connection fields list (never framing or Host). */
    private static List<String> hopByHopNames(HttpHeaders h) {
        List<String> names = HOP_BY_HOP;
        if (h instanceof RawHeaders raw && !raw.connectionNamesFields()) {
            return names; // the parser saw no Connection field naming others: no need to read them again
        }
        for (String value : h.getAll(HttpHeaderNames.CONNECTION)) {
            int start = 0;
            while (start <= value.length()) {
                int comma = value.indexOf(',', start);
                int end = comma < 0 ? value.length() : comma;
                String name = value.substring(start, end).trim().toLowerCase(Locale.ROOT);
                if (!name.isEmpty() && !names.contains(name) && !PROTECTED.contains(name)) {
                    if (names == HOP_BY_HOP) {
                        names = new ArrayList<>(HOP_BY_HOP);
                    }
                    names.add(name);
                }
                start = end + 1;
            }
        }
        return names;
    }

    private static boolean anyHopByHop(HttpHeaders h) {
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence(); it.hasNext();) {
            CharSequence name = it.next().getKey();
            boolean hop = switch (name.length()) {
                case 2 -> AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TE);
                case 7 -> AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRAILER)
                        || AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.UPGRADE);
                case 10 -> AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONNECTION)
                        || AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.KEEP_ALIVE);
                case 16 -> AsciiString.contentEqualsIgnoreCase(name, PROXY_CONNECTION);
                default -> false;
            };
            if (hop) {
                return true;
            }
        }
        return false;
    }
}
