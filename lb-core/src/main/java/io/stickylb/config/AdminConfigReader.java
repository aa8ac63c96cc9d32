package io.stickylb.config;

import java.util.Set;

/** Reads {@code admin:}: absent or {@code off} disables the admin listener; {@code on} or a mapping enables it. */
final class AdminConfigReader {

    static final Endpoint DEFAULT_LISTEN = new Endpoint("127.0.0.1", 9090);

    private static final Set<String> KEYS = YamlMap.allowed("listen", "token");

    private AdminConfigReader() {
    }

    static AdminConfig read(YamlNode node) throws ConfigException {
        if (node == null) {
            return AdminConfig.DISABLED;
        }
        if (node.isScalar()) {
            return node.asBoolean() ? new AdminConfig(DEFAULT_LISTEN, null) : AdminConfig.DISABLED;
        }
        YamlMap map = node.asMap(KEYS);
        Endpoint listen = map.endpoint("listen", DEFAULT_LISTEN);
        String token = map.string("token", null);
        return map.build(() -> new AdminConfig(listen, token));
    }
}
