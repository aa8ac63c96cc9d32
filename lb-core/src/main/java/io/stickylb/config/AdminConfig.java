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
        if (listen != null && !listen.isLoopback() && token == null) {
            throw new IllegalArgumentException("admin.listen: " + listen
                    + " is not a loopback address; set admin.token to expose the admin API beyond this machine");
        }
    }

    public boolean enabled() {
        return listen != null;
    }

    /** Never prints the token: config objects end up in logs. */
    @Override
    public String toString() {
        return "AdminConfig[listen=" + listen + ", token=" + (token == null ? "none" : "***") + "]";
    }
}
