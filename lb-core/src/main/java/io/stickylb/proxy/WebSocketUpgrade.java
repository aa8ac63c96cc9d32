package io.stickylb.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.stickylb.codec.ClientRequest;

/**
 * Which protocol switches stickylb forwards: the WebSocket opening handshake (RFC 6455 §4.1) and nothing else. Any
 * other {@code Upgrade} (h2c above all) would let a client talk to a backend past the proxy's routing, per-request
 * checks and limits, so it is removed like every hop-by-hop field and the backend answers in HTTP/1.1.
 */
final class WebSocketUpgrade {

    private WebSocketUpgrade() {
    }

    /** True for an HTTP/1.1 GET without a body whose Connection names {@code upgrade} and Upgrade {@code websocket}. */
    static boolean requested(ClientRequest request) {
        if (!request.hasHopByHop() || request.hasBody() || !HttpMethod.GET.equals(request.method())
                || !HttpVersion.HTTP_1_1.equals(request.protocolVersion())) {
            return false;
        }
        HttpHeaders h = request.headers();
        // Presence first: most requests with hop-by-hop fields carry only Connection: keep-alive, and a lookup by
        // name allocates nothing where reading the values would.
        return h.contains(HttpHeaderNames.UPGRADE)
                && h.containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
                && h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    }

    /** Puts back the two hop-by-hop fields the handshake needs, after the proxy removed all of them. */
    static void forward(HttpHeaders requestHeaders) {
        requestHeaders.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
        requestHeaders.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
    }

    /** True when a backend's 101 switches to WebSocket, the only protocol stickylb asked for. */
    static boolean accepted(HttpResponse response) {
        return response.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }
}
