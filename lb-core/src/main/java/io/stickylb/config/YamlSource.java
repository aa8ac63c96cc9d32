package io.stickylb.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * The file being read: its name for error messages, the environment for {@code ${NAME}} substitution, and the
 * warnings found while reading it.
 */
final class YamlSource {

    private final String name;
    private final EnvSubstitution env;
    private final List<String> warnings = new ArrayList<>();

    YamlSource(String name, Map<String, String> env) {
        this.name = name;
        this.env = new EnvSubstitution(env);
    }

    String name() {
        return name;
    }

    EnvSubstitution env() {
        return env;
    }

    /** The 1-based line a node starts on (SnakeYAML counts from 0). */
    static int lineOf(Node node) {
        return node.getStartMark().map(m -> m.getLine() + 1).orElse(1);
    }

    /** A warning in the same shape as an error: the file is valid, but probably not what was meant. */
    void warn(int line, String path, String problem) {
        warnings.add(name + ":" + line + ": " + (path.isEmpty() ? "" : path + ": ") + problem);
    }

    /** The warnings so far, in file order of their discovery. */
    List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** An error in the agreed shape: {@code <file>:<line>: <key.path>: <problem>}. */
    ConfigException error(int line, String path, String problem) {
        return new ConfigException(name + ":" + line + ": " + (path.isEmpty() ? "" : path + ": ") + problem);
    }
}
