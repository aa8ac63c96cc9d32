package io.stickylb.config;

import java.util.Set;

/** Reads {@code paths:}: a mapping {@code {normalize, merge-slashes}}. */
final class PathsConfigReader {

    private static final Set<String> KEYS = YamlMap.allowed("normalize", "merge-slashes");

    private PathsConfigReader() {
    }

    static PathsConfig read(YamlNode node) throws ConfigException {
        if (node == null) {
            return PathsConfig.DEFAULTS;
        }
        YamlMap map = node.asMap(KEYS);
        boolean normalize = map.bool("normalize", PathsConfig.DEFAULTS.normalize());
        // Without normalising, slashes are left as they came too, unless asked for (which is an error below).
        boolean mergeSlashes = map.bool("merge-slashes", normalize && PathsConfig.DEFAULTS.mergeSlashes());
        if (mergeSlashes && !normalize) {
            throw map.get("merge-slashes").error("needs normalize: true (merging slashes is part of normalising)");
        }
        return new PathsConfig(normalize, mergeSlashes);
    }
}
