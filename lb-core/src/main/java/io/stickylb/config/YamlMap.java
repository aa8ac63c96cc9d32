package io.stickylb.config;

import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * A YAML mapping checked for duplicate and unknown keys when opened, with typed getters that fall back to a default
 * when a key is absent or empty.
 */
final class YamlMap {

    private final YamlNode self;
    private final Map<String, YamlNode> keys = new LinkedHashMap<>();
    private final Map<String, YamlNode> values = new LinkedHashMap<>();

    private YamlMap(YamlNode self) {
        this.self = self;
    }

    /** Opens {@code node} as a mapping; {@code allowedKeys == null} allows any key. */
    static YamlMap of(YamlNode node, Set<String> allowedKeys) throws ConfigException {
        if (!(node.raw() instanceof MappingNode mapping)) {
            throw node.wrongType("a mapping");
        }
        YamlMap map = new YamlMap(node);
        for (NodeTuple tuple : mapping.getValue()) {
            if (!(tuple.getKeyNode() instanceof ScalarNode keyScalar)) {
                throw new YamlNode(node.source(), tuple.getKeyNode(), node.path()).error("keys must be plain names");
            }
            String key = keyScalar.getValue();
            String path = node.childPath(key);
            YamlNode keyNode = new YamlNode(node.source(), keyScalar, path);
            YamlNode first = map.keys.get(key);
            if (first != null) {
                throw keyNode.error("duplicate key (first at line " + first.line() + ")");
            }
            if (allowedKeys != null && !allowedKeys.contains(key)) {
                throw keyNode.error("unknown key" + hint(key, allowedKeys));
            }
            map.keys.put(key, keyNode);
            map.values.put(key, new YamlNode(node.source(), tuple.getValueNode(), path));
        }
        return map;
    }

    /** An allowed-key set that keeps the order given, so "expected one of" lists keys as the docs do. */
    static Set<String> allowed(String... keys) {
        return Collections.unmodifiableSet(new LinkedHashSet<>(List.of(keys)));
    }

    private static String hint(String key, Collection<String> allowed) {
        String hint = DidYouMean.hint(key, allowed);
        return hint.isEmpty() ? " (expected one of: " + String.join(", ", allowed) + ")" : hint;
    }

    YamlNode node() {
        return self;
    }

    String path() {
        return self.path();
    }

    ConfigException error(String problem) {
        return self.error(problem);
    }

    /** All keys as written, in file order. */
    Set<String> keys() {
        return keys.keySet();
    }

    /** The key itself, for errors about the name rather than the value (e.g. an invalid pool name). */
    YamlNode keyNode(String key) {
        return keys.get(key);
    }

    /** True when the key is present with a value (an empty {@code key:} counts as absent). */
    boolean has(String key) {
        return get(key) != null;
    }

    /** The value, or null when the key is absent or empty. */
    YamlNode get(String key) {
        YamlNode value = values.get(key);
        return value == null || value.isNull() ? null : value;
    }

    YamlNode required(String key) throws ConfigException {
        YamlNode value = values.get(key);
        if (value == null) {
            throw self.source().error(self.line(), self.childPath(key), "missing required key");
        }
        if (value.isNull()) {
            throw keys.get(key).error("missing value");
        }
        return value;
    }

    String string(String key, String fallback) throws ConfigException {
        YamlNode v = get(key);
        return v == null ? fallback : v.asString();
    }

    int integer(String key, int fallback) throws ConfigException {
        YamlNode v = get(key);
        return v == null ? fallback : v.asInt();
    }

    double number(String key, double fallback) throws ConfigException {
        YamlNode v = get(key);
        return v == null ? fallback : v.asDouble();
    }

    boolean bool(String key, boolean fallback) throws ConfigException {
        YamlNode v = get(key);
        return v == null ? fallback : v.asBoolean();
    }

    Duration duration(String key, Duration fallback) throws ConfigException {
        YamlNode v = get(key);
        return v == null ? fallback : v.asDuration();
    }

    Endpoint endpoint(String key, Endpoint fallback) throws ConfigException {
        YamlNode v = get(key);
        return v == null ? fallback : v.asEndpoint();
    }

    int intSize(String key, int fallback) throws ConfigException {
        YamlNode v = get(key);
        return v == null ? fallback : v.asIntSize();
    }

    long size(String key, long fallback) throws ConfigException {
        YamlNode v = get(key);
        return v == null ? fallback : v.asSize();
    }

    String choice(String key, String what, Collection<String> choices, String fallback) throws ConfigException {
        YamlNode v = get(key);
        return v == null ? fallback : v.asChoice(what, choices);
    }

    <E extends Enum<E>> E enumValue(String key, String what, Class<E> type, E fallback) throws ConfigException {
        YamlNode v = get(key);
        return v == null ? fallback : v.asEnum(what, type);
    }

    /**
     * Runs a record constructor and turns its {@link IllegalArgumentException} ({@code "weight: 0 (expected: ...)"})
     * into a {@link ConfigException} at the line of the key the message names, or of this mapping otherwise.
     */
    <T> T build(Supplier<T> constructor) throws ConfigException {
        try {
            return constructor.get();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw locate(String.valueOf(e.getMessage()));
        }
    }

    private ConfigException locate(String message) {
        int colon = message.indexOf(": ");
        if (colon > 0) {
            String key = message.substring(0, colon);
            // Records sometimes qualify the key ("admin.listen: ..."); the last segment is the key in this mapping.
            String last = key.substring(key.lastIndexOf('.') + 1);
            YamlNode value = values.get(last);
            if (value != null && key.indexOf(' ') < 0) {
                return value.error(message.substring(colon + 2));
            }
        }
        return self.error(message);
    }
}
