package io.stickylb.config;

/**
 * The admin listener (JSON API, metrics, dashboard). Loopback-only by default; a non-loopback {@code listen}
 * requires a {@code token} (a blank one counts as none). {@code listen == null} turns the admin listener off.
 */
public record AdminConfig(Endpoint listen, String token) {

    public static final AdminConfig DISABLED = new AdminConfig(null, null);

    public AdminConfig {
        // Blank as well as empty: a client's header loses surrounding spaces, so no request could present it.
        if (token != null && token.isBlank()) {
            token = null;
        }
        if (token != null && !token.equals(token.strip())) {
            throw new IllegalArgumentException("admin.token: starts or ends with white space, which no request can"
                    + " present (a header value loses it); remove it");
        }
        if (listen != null && !listen.isLoopback() && token == null) {
            throw new IllegalArgumentException("admin.listen: " + listen
                    + " is not a loopback address; set admin.token to expose the admin API beyond this machine");
        }
    }

    public boolean enabled() {
        return listen != null;
    }

    /**
     * True when this admin listener and a client listener at {@code client} cannot both bind: the same port (0 is a
     * fresh one per bind) on the same host, or on a wildcard address that takes it on the other's host too
     * ({@code 0.0.0.0} on IPv4 hosts only, {@code ::} on all).
     */
    public boolean clashesWith(Endpoint client) {
        if (listen == null || listen.port() == 0 || listen.port() != client.port()) {
            return false;
        }
        return listen.host().equalsIgnoreCase(client.host()) || covers(listen, client) || covers(client, listen);
    }

    private static boolean covers(Endpoint wildcard, Endpoint other) {
        return wildcard.host().equals("::") || wildcard.host().equals("0.0.0.0") && other.host().indexOf(':') < 0;
    }

    /** Never prints the token: config objects end up in logs. */
    @Override
    public String toString() {
        return "AdminConfig[listen=" + listen + ", token=" + (token == null ? "none" : "***") + "]";
    }
}
