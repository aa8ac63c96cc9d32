package io.stickylb.config;

import java.util.Set;

/** Reads {@code access-log:}: a mapping {@code {enabled, format}}, or just a boolean ({@code off}, {@code true}). */
final class AccessLogConfigReader {

    private static final Set<String> KEYS = YamlMap.allowed("enabled", "format");

    private AccessLogConfigReader() {
    }

    static AccessLogConfig read(YamlNode node) throws ConfigException {
        if (node == null) {
            return AccessLogConfig.DEFAULTS;
        }
        if (node.isScalar()) {
            return node.asBoolean() ? AccessLogConfig.DEFAULTS : AccessLogConfig.OFF;
        }
        YamlMap map = node.asMap(KEYS);
        boolean enabled = map.bool("enabled", AccessLogConfig.DEFAULTS.enabled());
        AccessLogConfig.Format format =
                map.enumValue("format", "log format", AccessLogConfig.Format.class, AccessLogConfig.DEFAULTS.format());
        return new AccessLogConfig(enabled, format);
    }
}
