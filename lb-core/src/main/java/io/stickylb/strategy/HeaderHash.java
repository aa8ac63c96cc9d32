package io.stickylb.strategy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;
import io.stickylb.backend.Backend;
import io.stickylb.config.PoolConfig;
import io.stickylb.routing.AffinityOutcome;
import io.stickylb.routing.RequestContext;

/**
 * {@code header-hash}: the value of {@code hash-header}, else of cookie {@code hash-cookie}, picks the backend through
 * the pool's {@code hash:} table (e.g. a user or tenant id the application already sends). Requests carrying neither
 * go to the {@code fallback} strategy, recorded as NEW.
 */
final class HeaderHash implements LoadBalancingStrategy {

    private final AsciiString header;
    private final String cookie;
    private final KeyRouter router;
    private final LoadBalancingStrategy fallback;

    HeaderHash(PoolConfig config) {
        String h = config.hashHeader();
        String c = config.hashCookie();
        if (isBlank(h) && isBlank(c)) {
            throw new IllegalArgumentException("pool '" + config.name()
                    + "': strategy header-hash needs hash-header or hash-cookie");
        }
        this.header = isBlank(h) ? null : AsciiString.cached(h.trim());
        this.cookie = isBlank(c) ? null : c.trim();
        this.router = new KeyRouter(config.hash(), config.balanceFactor(),
                config.onUnavailable() == PoolConfig.OnUnavailable.FAIL);
        this.fallback = HashFallback.create(config);
    }

    @Override
    public Backend choose(RequestContext ctx) {
        HttpRequest request = ctx.request();
        if (request != null) {
            if (header != null) {
                String value = request.headers().get(header);
                if (value != null && !value.isEmpty()) {
                    return router.choose(ctx, KeyHash.of(value));
                }
            }
            if (cookie != null) {
                // RFC 6265 section 5.4: a user agent sends at most one Cookie header, so the first is the only one.
                String cookies = request.headers().get(HttpHeaderNames.COOKIE);
                long range = cookies == null ? -1 : cookieValue(cookies, cookie);
                if (range >= 0) {
                    return router.choose(ctx, KeyHash.of(cookies, (int) (range >>> 32), (int) range, 0));
                }
            }
        }
        ctx.affinity(AffinityOutcome.NEW);
        return fallback.choose(ctx);
    }

    /**
     * Where the first non-empty value of cookie {@code name} sits in a Cookie header, as {@code start << 32 | end}, or
     * -1 when there is none. Scans in place (no substrings) and in one pass, so a hostile header costs linear time.
     */
    static long cookieValue(String cookies, String name) {
        int len = cookies.length();
        int i = 0;
        while (i < len) {
            while (i < len && (isOws(cookies.charAt(i)) || cookies.charAt(i) == ';')) {
                i++;
            }
            int eq = -1;
            int end = i;
            while (end < len && cookies.charAt(end) != ';') {
                if (eq < 0 && cookies.charAt(end) == '=') {
                    eq = end;
                }
                end++;
            }
            if (eq > i) {
                int nameEnd = eq;
                while (nameEnd > i && isOws(cookies.charAt(nameEnd - 1))) {
                    nameEnd--;
                }
                if (nameEnd - i == name.length() && cookies.regionMatches(i, name, 0, name.length())) {
                    // An empty pair (cleared at another path or domain) carries no key; a later one may.
                    long range = valueRange(cookies, eq + 1, end);
                    if (range >= 0) {
                        return range;
                    }
                }
            }
            i = end + 1;
        }
        return -1;
    }

    private static long valueRange(String s, int start, int end) {
        while (start < end && isOws(s.charAt(start))) {
            start++;
        }
        while (end > start && isOws(s.charAt(end - 1))) {
            end--;
        }
        // RFC 6265 section 4.1.1 allows a DQUOTEd value; the quotes are not part of the key.
        if (end - start >= 2 && s.charAt(start) == '"' && s.charAt(end - 1) == '"') {
            start++;
            end--;
        }
        return end > start ? (long) start << 32 | end : -1;
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
