package io.stickylb.lab;

import io.stickylb.config.ConfigException;
import io.stickylb.config.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * One node of a scenario file with its key path ({@code clients.rate.s}); every accessor turns a problem into a
 * {@link ConfigException} shaped as lb-core's config errors are: {@code <file>:<line>: <key.path>: <problem>}.
 * (lb-core's own YAML helpers are package-private; this is the small subset the lab needs.)
 */
final class ScenarioNode {

    private final String file;
    private final Node node;
    private final String path;

    ScenarioNode(String file, Node node, String path) {
        this.file = file;
        this.node = node;
        this.path = path;
    }

    String path() {
        return path;
    }

    Node raw() {
        return node;
    }

    int line() {
        return node.getStartMark().map(m -> m.getLine() + 1).orElse(1);
    }

    ConfigException error(String problem) {
        return error(file, line(), path, problem);
    }

    static ConfigException error(String file, int line, String path, String problem) {
        return new ConfigException(file + ":" + line + ": " + (path.isEmpty() ? "" : path + ": ") + problem);
    }

    boolean isNull() {
        return node instanceof ScalarNode && Tag.NULL.equals(node.getTag());
    }

    /** The entries of a mapping whose keys must come from {@code allowed}, in file order. */
    Mapping asMap(Set<String> allowed) throws ConfigException {
        if (!(node instanceof MappingNode mapping)) {
            throw wrongType("a mapping");
        }
        Mapping map = new Mapping(this);
        for (NodeTuple tuple : mapping.getValue()) {
            if (!(tuple.getKeyNode() instanceof ScalarNode key)) {
                throw new ScenarioNode(file, tuple.getKeyNode(), path).error("keys must be plain names");
            }
            String name = key.getValue();
            ScenarioNode keyNode = new ScenarioNode(file, key, child(name));
            if (map.keys.containsKey(name)) {
                throw keyNode.error("duplicate key (first at line " + map.keys.get(name).line() + ")");
            }
            if (allowed != null && !allowed.contains(name)) {
                throw keyNode.error("unknown key (expected one of: " + String.join(", ", allowed) + ")");
            }
            map.keys.put(name, keyNode);
            map.values.put(name, new ScenarioNode(file, tuple.getValueNode(), child(name)));
        }
        return map;
    }

    List<ScenarioNode> asList() throws ConfigException {
        if (!(node instanceof SequenceNode seq)) {
            throw wrongType("a list");
        }
        List<ScenarioNode> items = new ArrayList<>();
        for (Node item : seq.getValue()) {
            items.add(new ScenarioNode(file, item, path + "[" + items.size() + "]"));
        }
        return items;
    }

    String asString() throws ConfigException {
        if (!(node instanceof ScalarNode scalar)) {
            throw wrongType("a single value");
        }
        return scalar.getValue().trim();
    }

    long asLong(long min, long max) throws ConfigException {
        String text = asString();
        long value;
        try {
            value = Long.parseLong(text.replace("_", ""));
        } catch (NumberFormatException e) {
            throw error("'" + text + "' is not an integer");
        }
        if (value < min || value > max) {
            throw error(value + " (expected: " + min + ".." + max + ")");
        }
        return value;
    }

    int asInt(int min, int max) throws ConfigException {
        return (int) asLong(min, max);
    }

    double asDouble(double min, double max) throws ConfigException {
        String text = asString();
        double value;
        try {
            value = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw error("'" + text + "' is not a number");
        }
        if (!(value >= min && value <= max)) {
            throw error(text + " (expected: " + trim(min) + ".." + trim(max) + ")");
        }
        return value;
    }

    Duration asDuration() throws ConfigException {
        try {
            return Durations.parse(asString());
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    String asChoice(Collection<String> choices) throws ConfigException {
        String text = asString();
        for (String c : choices) {
            if (c.equalsIgnoreCase(text)) {
                return c;
            }
        }
        throw error("'" + text + "' (expected one of: " + String.join(", ", choices) + ")");
    }

    <E extends Enum<E>> E asEnum(Class<E> type) throws ConfigException {
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        return type.getEnumConstants()[names.indexOf(asChoice(names))];
    }

    ConfigException wrongType(String expected) {
        String actual = node instanceof MappingNode ? "a mapping"
                : node instanceof SequenceNode ? "a list"
                : isNull() ? "nothing" : "'" + ((ScalarNode) node).getValue() + "'";
        return error("expected " + expected + ", got " + actual);
    }

    private String child(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static String trim(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    /** A checked mapping: values by key, absent and empty ({@code key:}) alike read as missing. */
    static final class Mapping {
        private final ScenarioNode self;
        private final Map<String, ScenarioNode> keys = new LinkedHashMap<>();
        private final Map<String, ScenarioNode> values = new LinkedHashMap<>();

        private Mapping(ScenarioNode self) {
            this.self = self;
        }

        ScenarioNode node() {
            return self;
        }

        ScenarioNode get(String key) {
            ScenarioNode v = values.get(key);
            return v == null || v.isNull() ? null : v;
        }

        boolean has(String key) {
            return get(key) != null;
        }

        ScenarioNode required(String key) throws ConfigException {
            ScenarioNode v = get(key);
            if (v == null) {
                throw keys.containsKey(key) ? keys.get(key).error("missing value")
                        : error(self.file, self.line(), self.child(key), "missing required key");
            }
            return v;
        }

        Map<String, ScenarioNode> entries() {
            return values;
        }

        int integer(String key, int fallback, int min, int max) throws ConfigException {
            ScenarioNode v = get(key);
            return v == null ? fallback : v.asInt(min, max);
        }

        double number(String key, double fallback, double min, double max) throws ConfigException {
            ScenarioNode v = get(key);
            return v == null ? fallback : v.asDouble(min, max);
        }

        Duration duration(String key, Duration fallback) throws ConfigException {
            ScenarioNode v = get(key);
            return v == null ? fallback : v.asDuration();
        }

        String string(String key, String fallback) throws ConfigException {
            ScenarioNode v = get(key);
            return v == null ? fallback : v.asString();
        }

        <E extends Enum<E>> E enumValue(String key, Class<E> type, E fallback) throws ConfigException {
            ScenarioNode v = get(key);
            return v == null ? fallback : v.asEnum(type);
        }
    }
}
