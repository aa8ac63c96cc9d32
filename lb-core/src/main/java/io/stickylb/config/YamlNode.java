package io.stickylb.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * One composed YAML node with its key path ({@code pools.app.backends[1].weight}); typed accessors turn any problem
 * into a {@link ConfigException} carrying the file, line and path.
 */
final class YamlNode {

    private final YamlSource source;
    private final Node node;
    private final String path;

    YamlNode(YamlSource source, Node node, String path) {
        this.source = source;
        this.node = node;
        this.path = path;
    }

    String path() {
        return path;
    }

    int line() {
        return YamlSource.lineOf(node);
    }

    YamlSource source() {
        return source;
    }

    Node raw() {
        return node;
    }

    /** The path of a child key, e.g. {@code pools} + {@code app} = {@code pools.app}. */
    String childPath(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    ConfigException error(String problem) {
        return source.error(line(), path, problem);
    }

    /** Reports something valid but probably not meant, at this node's line and path. */
    void warn(String problem) {
        source.warn(line(), path, problem);
    }

    /** True for {@code key:} with nothing after it, {@code ~} or {@code null}; quoted text never is. */
    boolean isNull() {
        return node instanceof ScalarNode && Tag.NULL.equals(node.getTag());
    }

    boolean isScalar() {
        return node instanceof ScalarNode;
    }

    boolean isMap() {
        return node instanceof MappingNode;
    }

    /** A mapping whose keys must come from {@code allowedKeys}. */
    YamlMap asMap(Set<String> allowedKeys) throws ConfigException {
        return YamlMap.of(this, allowedKeys);
    }

    /** A mapping with free-form keys (pool names). */
    YamlMap asMap() throws ConfigException {
        return YamlMap.of(this, null);
    }

    List<YamlNode> asList() throws ConfigException {
        if (!(node instanceof SequenceNode seq)) {
            throw wrongType("a list");
        }
        List<YamlNode> items = new ArrayList<>();
        for (Node item : seq.getValue()) {
            items.add(new YamlNode(source, item, path + "[" + items.size() + "]"));
        }
        return items;
    }

    /** The scalar's text with {@code ${NAME}} references replaced. */
    String asString() throws ConfigException {
        if (!(node instanceof ScalarNode scalar)) {
            throw wrongType("a single value");
        }
        return convert(source.env()::apply, scalar.getValue());
    }

    int asInt() throws ConfigException {
        return convert(Scalars::toInt, asString().trim());
    }

    long asLong() throws ConfigException {
        return convert(Scalars::toLong, asString().trim());
    }

    double asDouble() throws ConfigException {
        return convert(Scalars::toDouble, asString().trim());
    }

    boolean asBoolean() throws ConfigException {
        return convert(Scalars::toBoolean, asString().trim());
    }

    Duration asDuration() throws ConfigException {
        return convert(Durations::parse, asString());
    }

    long asSize() throws ConfigException {
        return convert(Scalars::toSize, asString().trim());
    }

    int asIntSize() throws ConfigException {
        return convert(Scalars::toIntSize, asString().trim());
    }

    Endpoint asEndpoint() throws ConfigException {
        if (node instanceof SequenceNode) {
            // [::1]:80 unquoted is YAML flow-list syntax; say so rather than "expected a single value".
            throw error("expected host:port, got a list (quote IPv6 addresses: \"[::1]:8080\")");
        }
        return convert(Endpoint::parse, asString());
    }

    /** A backend id, pool name or route name. */
    String asName(String what) throws ConfigException {
        return convert(s -> Scalars.toName(s, what), asString());
    }

    /**
     * A name written as a mapping key (a pool name), taken as written: the mapping's duplicate check saw the raw
     * text, and a name validated after substitution was stored unsubstituted ("${POOL}" became a pool's name).
     */
    String asKeyName(String what) throws ConfigException {
        if (!(node instanceof ScalarNode scalar)) {
            throw wrongType("a name");
        }
        String text = scalar.getValue();
        try {
            return Scalars.toName(text, what);
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage() + (text.contains("${") ? "; ${NAME} is replaced in values, not in keys" : ""));
        }
    }

    /** One of {@code choices}, case-insensitive, in its canonical spelling. */
    String asChoice(String what, Collection<String> choices) throws ConfigException {
        return convert(s -> Scalars.toChoice(s, what, choices), asString().trim());
    }

    /** An enum constant from its kebab-case YAML spelling ({@code route-suffix} is {@code ROUTE_SUFFIX}). */
    <E extends Enum<E>> E asEnum(String what, Class<E> type) throws ConfigException {
        List<String> names = new ArrayList<>();
        for (E constant : type.getEnumConstants()) {
            names.add(constant.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        String chosen = asChoice(what, names);
        return type.getEnumConstants()[names.indexOf(chosen)];
    }

    ConfigException wrongType(String expected) {
        String actual = node instanceof MappingNode ? "a mapping"
                : node instanceof SequenceNode ? "a list"
                : isNull() ? "nothing" : "'" + ((ScalarNode) node).getValue() + "'";
        return error("expected " + expected + ", got " + actual);
    }

    private <T> T convert(Function<String, T> parser, String text) throws ConfigException {
        try {
            return parser.apply(text);
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }
}
