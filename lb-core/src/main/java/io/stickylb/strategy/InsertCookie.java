package io.stickylb.strategy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.stickylb.config.AffinityConfig;

/**
 * {@code insert} mode: stickylb's own cookie ({@code LB_ROUTE}) holds a signed token naming the backend. The cookie
 * is removed from every request before it is forwarded, and set only when it must change (missing, invalid, expired,
 * signed by an older key, due for refresh, or re-pinned after a failure), like HAProxy's {@code insert indirect}.
 * A response that sets it is marked {@code Cache-Control: private} (see {@link CacheControl}).
 */
final class InsertCookie implements AffinityCarrier {

    private final String name;
    private final String attributes;
    private final TokenIssuer issuer;
    private final CookieHeaders.Rewrite strip;

    InsertCookie(AffinityConfig config, TokenIssuer issuer) {
        this.name = config.name();
        this.attributes = SetCookies.attributes(config);
        this.issuer = issuer;
        this.strip = new CookieHeaders.Rewrite(name, CookieHeaders.REMOVE);
    }

    @Override
    public void read(HttpRequest request, AffinityState state) {
        HttpHeaders headers = request.headers();
        String header = headers.get(HttpHeaderNames.COOKIE);
        if (header == null) {
            return;
        }
        readPairs(header, state);
        // RFC 6265 §5.4 has user agents send one Cookie header, but a gateway from HTTP/2 may pass its crumbs as
        // several (RFC 9113 §8.2.3): a foreign or empty pair in one must not hide ours in another.
        if (!state.settled()) {
            for (String other : CookieHeaders.afterFirst(headers)) {
                readPairs(other, state);
            }
        }
    }

    /**
     * Reads our pairs in one Cookie header until one verifies. A value that does not may be another deployment's
     * cookie of the same name (a shared parent domain, a changed Domain or Path): a later one of ours still counts.
     */
    private void readPairs(String header, AffinityState state) {
        if (header.indexOf(name) < 0) {
            return;
        }
        // Even an empty "LB_ROUTE=" is no affinity but still ours to remove.
        state.strip = true;
        for (long r = CookieHeaders.value(header, name); r >= 0 && !state.settled();
                r = CookieHeaders.value(header, name, CookieHeaders.end(r) + 1)) {
            issuer.read(header, CookieHeaders.start(r), CookieHeaders.end(r), state);
        }
    }

    @Override
    public void beforeForward(HttpRequest request, AffinityState state) {
        CookieHeaders.rewrite(request.headers(), strip);
    }

    @Override
    public void beforeRespond(HttpResponse response, AffinityState state) {
        AffinityToken next = issuer.next(state, false);
        if (next != null) {
            response.headers().add(HttpHeaderNames.SET_COOKIE, name + "=" + issuer.encode(next) + attributes);
            CacheControl.markPrivate(response.headers());
        }
    }
}
