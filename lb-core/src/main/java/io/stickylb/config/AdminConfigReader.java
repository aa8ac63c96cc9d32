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
        if (admin.clashesWith(client)) {
            throw at.error(admin.listen() + " is the client listener's address (" + clientWhere
                    + "); give the admin API a port of its own");
        }
        return admin;
    }
}
