package io.stickylb.config;

import java.util.Set;

/** Reads {@code limits:}; every key is optional and defaults to {@link LimitsConfig#DEFAULTS}. */
final class LimitsConfigReader {

    private static final Set<String> KEYS = YamlMap.allowed("max-request-line", "max-header-size", "max-header-count",
            "max-body-size", "header-timeout", "idle-timeout", "max-connections", "max-pending-per-backend");

    private LimitsConfigReader() {
    }

    static LimitsConfig read(YamlNode node) throws ConfigException {
        LimitsConfig d = LimitsConfig.DEFAULTS;
        if (node == null) {
            return d;
        }
        YamlMap map = node.asMap(KEYS);
        // Byte counts accept sizes (16KiB); counts of things are plain integers.
        int maxRequestLine = map.intSize("max-request-line", d.maxRequestLine());
        int maxHeaderSize = map.intSize("max-header-size", d.maxHeaderSize());
        int maxHeaderCount = map.integer("max-header-count", d.maxHeaderCount());
        long maxBodySize = map.size("max-body-size", d.maxBodySize());
        var headerTimeout = map.duration("header-timeout", d.headerTimeout());
        var idleTimeout = map.duration("idle-timeout", d.clientIdleTimeout());
        int maxConnections = map.integer("max-connections", d.maxConnections());
        int maxPending = map.integer("max-pending-per-backend", d.maxPendingPerBackend());
        return map.build(() -> new LimitsConfig(maxRequestLine, maxHeaderSize, maxHeaderCount, maxBodySize,
                headerTimeout, idleTimeout, maxConnections, maxPending));
    }
}
