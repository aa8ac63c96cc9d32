package io.stickylb.config;

import java.util.Locale;
import java.util.Objects;

/**
 * One route: requests whose host matches {@code host} ({@code *}, an exact name, or {@code *.example.com}) and whose
 * path starts with {@code pathPrefix} go to {@code pool}. The most specific route wins.
 */
public record RouteConfig(String host, String pathPrefix, String pool) {

    public RouteConfig {
        Objects.requireNonNull(pool, "pool");
        host = host == null || host.isEmpty() ? "*" : host.toLowerCase(Locale.ROOT);
        pathPrefix = pathPrefix == null || pathPrefix.isEmpty() ? "/" : pathPrefix;
        if (!pathPrefix.startsWith("/")) {
            throw new IllegalArgumentException("path-prefix: '" + pathPrefix + "' (expected to start with /)");
        }
        if (!host.equals("*") && host.indexOf('*') >= 0 && !(host.startsWith("*.") && host.indexOf('*', 1) < 0)) {
            throw new IllegalArgumentException("host: '" + host + "' (expected *, an exact name, or *.domain)");
        }
        // Routing drops a Host's port and keeps an IPv6 literal's brackets, so a colon outside brackets never matches.
        if (host.lastIndexOf(':') > host.lastIndexOf(']')) {
            throw new IllegalArgumentException("host: '" + host + "' never matches: a request's port is ignored, and "
                    + "an IPv6 address is written in brackets (e.g. [::1])");
        }
    }
}
