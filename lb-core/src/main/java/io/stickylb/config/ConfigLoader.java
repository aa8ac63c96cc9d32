package io.stickylb.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Loads a {@link LoadBalancerConfig} from YAML. Every error is a {@link ConfigException} whose message reads
 * {@code <file>:<line>: <key.path>: <problem>},
 * e.g. {@code lb.yaml:7: pools.app.backends[1].weight: 0 (expected: 1..1000)}. Warnings (a valid file that is
 * probably not what was meant) read the same and go to the caller's sink, only when the file is valid.
 */
public final class ConfigLoader {

    /** Config files are small; anything larger is a mistake (or an attack via aliases), not a config. */
    private static final int MAX_CODE_POINTS = 1 << 20;
    /** A [ opening an IPv6 literal, [::1 or [2001:db8:, not a flow sequence such as [a: 1]. */
    private static final Pattern UNQUOTED_IPV6 = Pattern.compile("\\[\\s*[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:]");

    private ConfigLoader() {
    }

    /**
     * Reads and validates {@code file}, substituting {@code ${NAME}} from the process environment; its warnings are
     * dropped (see {@link #load(Path, Consumer)}).
     */
    public static LoadBalancerConfig load(Path file) throws ConfigException {
        return load(file, warning -> { });
    }

    /** As {@link #load(Path)}, handing each warning ({@code <file>:<line>: <key.path>: <problem>}) to the sink. */
    public static LoadBalancerConfig load(Path file, Consumer<String> warnings) throws ConfigException {
        Objects.requireNonNull(file, "file");
        String text = ConfigText.read(file);
        return parse(text, file.toString(), System.getenv(), file, warnings);
    }

    /** Parses YAML text; {@code sourceName} names it in error messages and {@code env} feeds {@code ${NAME}}. */
    public static LoadBalancerConfig parse(String yaml, String sourceName, Map<String, String> env)
            throws ConfigException {
        return parse(yaml, sourceName, env, warning -> { });
    }

    /** As {@link #parse(String, String, Map)}, handing each warning to {@code warnings}. */
    public static LoadBalancerConfig parse(String yaml, String sourceName, Map<String, String> env,
            Consumer<String> warnings) throws ConfigException {
        return parse(yaml, sourceName, env, null, warnings);
    }

    private static LoadBalancerConfig parse(String yaml, String sourceName, Map<String, String> env, Path file,
            Consumer<String> warnings) throws ConfigException {
        Objects.requireNonNull(yaml, "yaml");
        Objects.requireNonNull(warnings, "warnings");
        YamlSource source = new YamlSource(Objects.requireNonNull(sourceName, "sourceName"), env);
        Node root = compose(yaml, source).filter(node -> !isEmptyDocument(node)).orElseThrow(
                () -> source.error(1, "", "the file is empty (expected at least a 'pools' section)"));
        LoadBalancerConfig config = LoadBalancerConfigReader.read(new YamlNode(source, root, ""), file);
        source.warnings().forEach(warnings);
        return config;
    }

    /**
     * A document with nothing in it ("---" and comments) composes to an empty null scalar, which read as "expected a
     * mapping, got nothing" at a line after the file's last.
     */
    private static boolean isEmptyDocument(Node node) {
        return node instanceof ScalarNode scalar && Tag.NULL.equals(scalar.getTag()) && scalar.getValue().isEmpty();
    }

    /** YAML syntax only: the node tree keeps a line for every key and value, which the readers report. */
    private static Optional<Node> compose(String yaml, YamlSource source) throws ConfigException {
        LoadSettings settings = LoadSettings.builder()
                .setLabel(source.name())
                .setCodePointLimit(MAX_CODE_POINTS)
                // The YAML 1.2 core schema, so ~ and Null mean "no value" as YAML users expect (the JSON schema
                // knows only null).
                .setSchema(new CoreSchema())
                // Refused here, "? [a, b]" failed with no line; YamlMap refuses it with the key's line instead.
                .setAllowNonScalarKeys(true)
                .build();
        // Editors on Windows may save a BOM; it is not part of the YAML.
        String text = yaml.startsWith("\uFEFF") ? yaml.substring(1) : yaml;
        try {
            YamlLimits.check(text, settings);
            return new Compose(settings).composeString(text);
        } catch (MarkedYamlEngineException e) {
            throw new ConfigException(source.name() + ":" + line(e) + ": YAML syntax error: " + describe(e)
                    + ipv6Hint(text, line(e)), e);
        } catch (YamlEngineException e) {
            throw new ConfigException(source.name() + ": YAML error: " + e.getMessage(), e);
        }
    }

    /**
     * YAML reads an unquoted [::1]:8080 or [::1/128, ...] as a flow sequence and fails on its colons with "expected
     * the node content, but found ':'", which says nothing of the address: the hint says what to write instead.
     */
    private static String ipv6Hint(String text, int line) {
        String[] lines = text.split("\n", -1);
        if (line < 1 || line > lines.length || !UNQUOTED_IPV6.matcher(lines[line - 1]).find()) {
            return "";
        }
        return " (an IPv6 address must be quoted: listen: \"[::1]:8080\", trusted-proxies: [\"::1/128\"])";
    }

    private static int line(MarkedYamlEngineException e) {
        return e.getProblemMark().or(e::getContextMark).map(m -> m.getLine() + 1).orElse(1);
    }

    /** SnakeYAML splits messages into context and problem ("expected a single document" + "but found another"). */
    private static String describe(MarkedYamlEngineException e) {
        String context = e.getContext();
        String problem = e.getProblem();
        if (context == null || context.isEmpty()) {
            return problem;
        }
        if (problem == null || problem.isEmpty()) {
            return context;
        }
        if (problem.startsWith("but ")) {
            return context + ", " + problem;
        }
        // "while scanning a quoted scalar" only helps when it points at another line (where the quote opened).
        int contextLine = e.getContextMark().map(m -> m.getLine() + 1).orElse(line(e));
        return contextLine == line(e) ? problem : problem + " (" + context + " started at line " + contextLine + ")";
    }
}
