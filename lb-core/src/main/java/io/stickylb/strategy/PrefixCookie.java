package io.stickylb.strategy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.stickylb.config.AffinityConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code prefix} mode: the token rides on the application's own session cookie. On the way out
 * {@code Set-Cookie: JSESSIONID=abc; …} becomes {@code JSESSIONID=<token>~abc; …} (attributes kept); on the way in
 * the prefix is verified and removed, so the backend sees {@code JSESSIONID=abc}.
 *
 * <p>Invalid prefixes: a value whose part before the first {@code ~} has the shape of a token but does not verify
 * (tampered, foreign key, expired) counts as FORGED (or EXPIRED) and that part is stripped, so the backend still
 * gets its own session id. A value without {@code ~}, or whose part before it is not token-shaped (an application
 * id that happens to contain {@code ~}), is no affinity (NEW) and passes unchanged. Of several cookies of that
 * name, the first whose prefix verifies counts, as in insert mode.
 *
 * <p>stickylb never invents an application cookie: a token is only written, renewed or re-pinned when the
 * application sends {@code Set-Cookie} for its session (which a successor does for the unknown session it is handed).
 * For the same reason {@code max-idle} is not enforced here (an active client would expire between two application
 * cookies); {@code max-life} is, and the application's own session timeout governs idleness.
 */
final class PrefixCookie implements AffinityCarrier {

    static final char SEPARATOR = '~';

    private final String name;
    private final TokenIssuer issuer;
    private final CookieHeaders.Rewrite stripPrefix;

    PrefixCookie(AffinityConfig config, TokenIssuer issuer) {
        this.name = config.cookieName();
        this.issuer = issuer;
        this.stripPrefix = new CookieHeaders.Rewrite(name, PrefixCookie::withoutPrefix);
    }

    @Override
    public void read(HttpRequest request, AffinityState state) {
        HttpHeaders headers = request.headers();
        String header = headers.get(HttpHeaderNames.COOKIE);
        if (header == null) {
            return;
        }
        readPairs(header, state);
        // Several Cookie headers (a gateway from HTTP/2, RFC 9113 §8.2.3): ours may be in any of them.
        if (!state.settled()) {
            for (String other : CookieHeaders.afterFirst(headers)) {
                readPairs(other, state);
            }
        }
    }

    /**
     * Every prefixed pair is stripped before forwarding, so each must be seen here: a plain or foreign value first
     * (another deployment's cookie on a shared parent domain) must neither hide ours nor let it through.
     */
    private void readPairs(String header, AffinityState state) {
        for (long r = CookieHeaders.value(header, name); r >= 0 && !state.settled();
                r = CookieHeaders.value(header, name, CookieHeaders.end(r) + 1)) {
            int start = CookieHeaders.start(r);
            int tilde = header.indexOf(SEPARATOR, start);
            if (tilde >= 0 && tilde < CookieHeaders.end(r) && TokenCodec.looksLikeToken(header, start, tilde)) {
                state.strip = true;
                issuer.read(header, start, tilde, state);
            }
        }
    }

    @Override
    public void beforeForward(HttpRequest request, AffinityState state) {
        CookieHeaders.rewrite(request.headers(), stripPrefix);
    }

    /** The session id without a token-shaped prefix, or {@link CookieHeaders#KEEP}. */
    static String withoutPrefix(String header, int from, int to) {
        int tilde = header.indexOf(SEPARATOR, from);
        return tilde > from && tilde < to && TokenCodec.looksLikeToken(header, from, tilde)
                ? header.substring(tilde + 1, to) : CookieHeaders.KEEP;
    }

    @Override
    public void beforeRespond(HttpResponse response, AffinityState state) {
        HttpHeaders headers = response.headers();
        if (!headers.contains(HttpHeaderNames.SET_COOKIE)) {
            return;
        }
        List<String> all = new ArrayList<>(headers.getAll(HttpHeaderNames.SET_COOKIE));
        String token = null;
        boolean changed = false;
        for (int i = 0; i < all.size(); i++) {
            String sc = all.get(i);
            long r = SetCookies.setCookieValue(sc, name);
            if (r < 0 || SetCookies.isDeletion(sc, r)) {
                continue;
            }
            if (token == null) {
                token = issuer.encode(issuer.next(state, true));
            }
            int at = CookieHeaders.start(r);
            all.set(i, sc.substring(0, at) + token + SEPARATOR + sc.substring(at));
            changed = true;
        }
        if (changed) {
            headers.set(HttpHeaderNames.SET_COOKIE, all);
            CacheControl.markPrivate(headers);
        }
    }
}
