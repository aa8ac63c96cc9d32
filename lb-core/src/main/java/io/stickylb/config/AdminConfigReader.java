package io.stickylb.config;

import java.util.Set;

/** Reads {@code admin:}: absent or {@code off} disables the admin listener; {@code on} or a mapping enables it. */
final class AdminConfigReader {

    static final Endpoint DEFAULT_LISTEN = new Endpoint("127.0.0.1", 9090);

    private static final Set<String> KEYS = YamlMap.allowed("listen", "token");

    private AdminConfigReader() {
    }

    /**
     * Reads {@code node}, refusing an admin address that is the client listener's: {@code client}, described as
     * {@code clientWhere} in the error.
     */
    static AdminConfig read(YamlNode node, Endpoint client, String clientWhere) throws ConfigException {
        if (node == null) {
            return AdminConfig.DISABLED;
        }
        if (node.isScalar()) {
            AdminConfig admin = node.asBoolean() ? new AdminConfig(DEFAULT_LISTEN, null) : AdminConfig.DISABLED;
            return apart(admin, node, client, clientWhere);
        }
        YamlMap map = node.asMap(KEYS);
        Endpoint listen = map.endpoint("listen", DEFAULT_LISTEN);
        String token = map.string("token", null);
        AdminConfig admin = map.build(() -> new AdminConfig(listen, token));
        return apart(admin, map.has("listen") ? map.get("listen") : node, client, clientWhere);
    }

    /** Said here, at the line: at run time the second bind fails as "admin address already in use". */
    private static AdminConfig apart(AdminConfig admin, YamlNode at, Endpoint client, String clientWhere)
            throws ConfigException {
        if (admin.enabled() && clash(admin.listen(), client)) {
            throw at.error(admin.listen() + " is the client listener's address (" + clientWhere
                    + "); give the admin API a port of its own");
        }
        return admin;
    }

    /**
     * True when binding both would fail: the same port (0 is a fresh one per bind) on the same host, or on a wildcard
     * address that takes it on the other's host too ({@code 0.0.0.0} on IPv4 hosts only, {@code ::} on all).
     */
    private static boolean clash(Endpoint a, Endpoint b) {
        if (a.port() == 0 || a.port() != b.port()) {
            return false;
        }
        return a.host().equalsIgnoreCase(b.host()) || covers(a, b) || covers(b, a);
    }

    private static boolean covers(Endpoint wildcard, Endpoint other) {
        return wildcard.host().equals("::") || wildcard.host().equals("0.0.0.0") && other.host().indexOf(':') < 0;
    }
}
