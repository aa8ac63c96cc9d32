package io.stickylb.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Cookie affinity settings of a pool ({@code affinity:} in YAML). {@code secrets}: the first signs, all verify
 * (key rotation); empty means "derive one from the config" (fine for one instance, a fleet needs an explicit one).
 * {@code name} is the cookie stickylb inserts; {@code cookieName} is the application's session cookie used by the
 * prefix, route-suffix and learn modes.
 */
public record AffinityConfig(
        Mode mode,
        String name,
        String cookieName,
        List<String> secrets,
        String path,
        String domain,
        boolean httpOnly,
        boolean secure,
        String sameSite,
        Duration maxAge,
        Duration maxIdle,
        Duration maxLife,
        int maxEntries,
        Duration ttl) {

    /** How the affinity is carried. */
    public enum Mode {
        INSERT, PREFIX, ROUTE_SUFFIX, LEARN;

        /** The YAML spelling, e.g. {@code route-suffix}. */
        public String yamlName() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    public static final AffinityConfig DEFAULTS = new AffinityConfig(Mode.INSERT, "LB_ROUTE", "JSESSIONID", List.of(),
            "/", null, true, false, "Lax", Duration.ZERO, Duration.ZERO, Duration.ZERO, 100_000,
            Duration.ofMinutes(30));

    public AffinityConfig {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(cookieName, "cookie-name");
        secrets = List.copyOf(secrets == null ? List.of() : secrets);
        path = path == null ? "/" : path;
        sameSite = sameSite == null ? "Lax" : sameSite;
        maxAge = Durations.requireNonNegative("max-age", maxAge);
        maxIdle = Durations.requireNonNegative("max-idle", maxIdle);
        maxLife = Durations.requireNonNegative("max-life", maxLife);
        ttl = Durations.requireNonNegative("ttl", ttl);
        if (maxEntries < 1) {
            throw new IllegalArgumentException("max-entries: " + maxEntries + " (expected: >= 1)");
        }
    }
}
