package io.stickylb.config;

import java.util.Map;
import org.snakeyaml.engine.v2.nodes.Node;

/** The file being read: its name for error messages and the environment for {@code ${NAME}} substitution. */
final class YamlSource {

    private final String name;
    private final EnvSubstitution env;

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

    /** An error in the agreed shape: {@code <file>:<line>: <key.path>: <problem>}. */
    ConfigException error(int line, String path, String problem) {
        return new ConfigException(name + ":" + line + ": " + (path.isEmpty() ? "" : path + ": ") + problem);
    }
}
