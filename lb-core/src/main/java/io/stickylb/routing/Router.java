package io.stickylb.routing;

import io.stickylb.config.RouteConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Maps a request's host and path to a target (a pool). Routes are sorted once by specificity: an exact host beats a
 * {@code *.domain} wildcard (longer suffix first), which beats {@code *}; within a host, the longest path prefix wins.
 * Matching walks the sorted array and allocates nothing.
 *
 * @param <T> what a route leads to (the pool object of the running instance)
 */
public final class Router<T> {

    private final Entry<T>[] entries;

    /** Builds a router; {@code targets} resolves a pool name (validated by config) to its target. */
    @SuppressWarnings("unchecked")
    public Router(List<RouteConfig> routes, Function<String, T> targets) {
        List<Entry<T>> list = new ArrayList<>();
        for (int i = 0; i < routes.size(); i++) {
            RouteConfig r = routes.get(i);
            list.add(new Entry<>(r, Objects.requireNonNull(targets.apply(r.pool()), r.pool()), i));
        }
        list.sort(Comparator.<Entry<T>>comparingInt(e -> e.hostRank).reversed()
                .thenComparing(Comparator.<Entry<T>>comparingInt(e -> e.route.pathPrefix().length()).reversed())
                .thenComparingInt(e -> e.order));
        this.entries = list.toArray(new Entry[0]);
    }

    /** Convenience for a name-to-target map. */
    public static <T> Router<T> of(List<RouteConfig> routes, Map<String, T> targets) {
        return new Router<>(routes, targets::get);
    }

    /**
     * The target for this host header value (may carry a port, any case) and request path, or null for no match.
     */
    public T route(String hostHeader, String path) {
        for (Entry<T> e : entries) {
            if (e.matchesHost(hostHeader) && e.matchesPath(path)) {
                return e.target;
            }
        }
        return null;
    }

    private static final class Entry<T> {
        final RouteConfig route;
        final T target;
        final int order;
        final int hostRank;
        final String suffix;

        Entry(RouteConfig route, T target, int order) {
            this.route = route;
            this.target = target;
            this.order = order;
            String h = route.host();
            if (h.equals("*")) {
                hostRank = 0;
                suffix = null;
            } else if (h.startsWith("*.")) {
                suffix = h.substring(1);
                hostRank = 1 + suffix.length();
            } else {
                suffix = null;
                hostRank = Integer.MAX_VALUE;
            }
        }

        boolean matchesHost(String hostHeader) {
            if (hostRank == 0) {
                return true;
            }
            if (hostHeader == null) {
                return false;
            }
            int len = hostLength(hostHeader);
            if (suffix == null) {
                String h = route.host();
                return len == h.length() && hostHeader.regionMatches(true, 0, h, 0, len);
            }
            // "*.example.com" matches "a.example.com" and "a.b.example.com", not "example.com".
            return len > suffix.length()
                    && hostHeader.regionMatches(true, len - suffix.length(), suffix, 0, suffix.length());
        }

        /**
         * A prefix matches at a segment boundary: /api matches /api, /api/x and /api?q, not /apix. A segment's
         * {@code ;} parameters are passed over ({@code /api;v=1/admin} matches {@code /api/admin}): servlet
         * containers drop them before they serve, so matching the raw bytes would let {@code /admin;x/users} past an
         * {@code /admin/} route to a wider pool whose server reads it as {@code /admin/users}.
         */
        boolean matchesPath(String path) {
            String p = route.pathPrefix();
            if (!path.startsWith(p)) {
                return path.indexOf(';') >= 0 && matchesPastParameters(path, p);
            }
            return boundary(path, p, p.length());
        }

        /** True when the prefix {@code p}, matched up to {@code end} of {@code path}, ends at a segment boundary. */
        private static boolean boundary(String path, String p, int end) {
            if (p.endsWith("/") || end == path.length()) {
                return true;
            }
            char next = path.charAt(end);
            return next == '/' || next == '?' || next == ';';
        }

        private static boolean matchesPastParameters(String path, String p) {
            int i = 0;
            int j = 0;
            while (j < p.length()) {
                if (i == path.length()) {
                    return false;
                }
                char c = path.charAt(i);
                if (c == ';' && p.charAt(j) != ';') {
                    // The rest of this segment is parameters: go on at the next slash, where p must have one too.
                    while (i < path.length() && path.charAt(i) != '/' && path.charAt(i) != '?') {
                        i++;
                    }
                    continue;
                }
                if (c != p.charAt(j)) {
                    return false;
                }
                i++;
                j++;
            }
            return boundary(path, p, i);
        }

        /** Length of the host without a trailing port; IPv6 literals keep their brackets. */
        private static int hostLength(String host) {
            int colon = host.lastIndexOf(':');
            if (colon < 0 || host.indexOf(']') > colon) {
                return host.length();
            }
            return colon;
        }
    }
}
