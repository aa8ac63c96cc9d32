package io.stickylb.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads {@code tls:}: {@code {certificate, key, protocols}}. Relative paths are taken from the config file's
 * directory, so a config and its certificate can move together.
 */
final class TlsConfigReader {

    private static final Set<String> KEYS = YamlMap.allowed("certificate", "key", "protocols");
    private static final Set<String> PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");

    private TlsConfigReader() {
    }

    static TlsConfig read(YamlNode node, Path source) throws ConfigException {
        if (node == null) {
            return null;
        }
        YamlMap map = node.asMap(KEYS);
        Path certificate = path(map.required("certificate"), source);
        Path key = path(map.required("key"), source);
        List<String> protocols = new ArrayList<>();
        YamlNode list = map.get("protocols");
        if (list == null) {
            protocols.addAll(TlsConfig.DEFAULT_PROTOCOLS);
        } else {
            for (YamlNode item : list.asList()) {
                String p = item.asString();
                if (!PROTOCOLS.contains(p)) {
                    throw item.error("'" + p + "' (expected TLSv1.3 or TLSv1.2; older versions are broken)");
                }
                protocols.add(p);
            }
            if (protocols.isEmpty()) {
                throw list.error("no protocol (expected TLSv1.3, TLSv1.2 or both)");
            }
        }
        try {
            return TlsConfig.load(certificate, key, protocols);
        } catch (TlsConfig.BadFileException e) {
            throw map.get(e.key() ? "key" : "certificate").error(e.getMessage());
        }
    }

    private static Path path(YamlNode node, Path source) throws ConfigException {
        String text = node.asString().trim();
        if (text.isEmpty()) {
            throw node.error("empty path");
        }
        Path p = Path.of(text);
        Path dir = source == null ? null : source.toAbsolutePath().getParent();
        return p.isAbsolute() || dir == null ? p : dir.resolve(p);
    }
}
