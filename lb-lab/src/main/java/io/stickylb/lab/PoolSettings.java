package io.stickylb.lab;

import io.stickylb.config.ConfigException;
import io.stickylb.config.ConfigLoader;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.strategy.LoadBalancingStrategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Present;
import org.snakeyaml.engine.v2.api.lowlevel.Serialize;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Turns a strategy entry of a scenario into a {@link PoolConfig} through lb-core's own {@link ConfigLoader}, so a
 * strategy accepts exactly the pool keys {@code lb run} accepts, with the same checks. The entry (minus the lab's
 * keys) becomes the only pool of a generated config; the loader's errors are mapped back to the scenario's line and
 * key path. Health checks the lab relies on to notice faults are added unless the entry sets {@code health} itself.
 */
final class PoolSettings {

    /** Keys of a strategy entry that belong to the lab, not to the pool. */
    static final Set<String> LAB_KEYS = Set.of("name", "session-store");

    /** The pool's name in generated configs. */
    static final String POOL = "lab";

    /**
     * Active checks every 250 ms (two failures mark a backend DOWN) plus passive ejection after three failures seen
     * on real traffic: a killed backend refuses connections and is noticed within about half a second. The check's
     * timeout is longer than its interval on purpose: with 200 ms, a busy host that stalled the lab for two checks
     * marked a healthy backend DOWN for a moment, moved its clients, and showed lost sessions no fault had caused.
     */
    private static final String DEFAULT_HEALTH = "{ active: { interval: 250ms, timeout: 1s, rise: 2, fall: 2,"
            + " jitter: 0 }, passive: { consecutive-failures: 3, ejection-time: 60s } }";

    /**
     * The sample backends answer in milliseconds: a request without an answer after 3 s is a fault to show (a 504),
     * not something to wait 30 s for.
     */
    private static final String DEFAULT_TIMEOUTS = "{ connect: 500ms, response: 3s }";

    private static final Pattern LOADER_ERROR = Pattern.compile("^.*?:\\d+: pools\\." + POOL + "(?:\\.([^:]+))?: (.*)$",
            Pattern.DOTALL);

    private PoolSettings() {
    }

    /**
     * Reads the pool settings of {@code entry} (a mapping already checked by the caller) for {@code backends}
     * backends.
     */
    static PoolConfig read(ScenarioNode entry, String file, int backends) throws ConfigException {
        MappingNode source = (MappingNode) entry.raw();
        List<NodeTuple> pool = new ArrayList<>();
        boolean hasHealth = false;
        boolean hasTimeouts = false;
        boolean hasAffinity = false;
        for (NodeTuple t : source.getValue()) {
            String key = ((ScalarNode) t.getKeyNode()).getValue();
            if (key.equals("backends")) {
                throw new ScenarioNode(file, t.getKeyNode(), entry.path() + ".backends")
                        .error("the lab supplies the backends (set them under the top-level 'backends')");
            }
            hasHealth |= key.equals("health");
            hasTimeouts |= key.equals("timeouts");
            hasAffinity |= key.equals("affinity");
            if (!LAB_KEYS.contains(key)) {
                pool.add(t);
            }
        }
        StringBuilder yaml = new StringBuilder("listen: 127.0.0.1:0\naccess-log: { enabled: false }\npools:\n  ")
                .append(POOL).append(":\n");
        for (String line : emit(new MappingNode(Tag.MAP, pool, FlowStyle.BLOCK)).split("\n")) {
            if (!line.isBlank() && !line.equals("{}")) {
                yaml.append("    ").append(line).append('\n');
            }
        }
        if (!hasAffinity) {
            // An explicit secret, as a real deployment has (and no warning about a derived one in every run).
            yaml.append("    affinity: { secret: stickylb-lab-secret }\n");
        }
        if (!hasTimeouts) {
            yaml.append("    timeouts: ").append(DEFAULT_TIMEOUTS).append('\n');
        }
        if (!hasHealth) {
            yaml.append("    health: ").append(DEFAULT_HEALTH).append('\n');
        }
        yaml.append("    backends:\n");
        for (int i = 0; i < backends; i++) {
            yaml.append("      - { id: b").append(i + 1)
                    .append(", address: 127.0.0.1:").append(9001 + i).append(" }\n");
        }
        LoadBalancerConfig config;
        List<String> warnings = new ArrayList<>();
        try {
            config = ConfigLoader.parse(yaml.toString(), file, System.getenv(), warnings::add);
        } catch (ConfigException e) {
            throw relocate(e, entry, file);
        }
        for (String warning : warnings) {
            // A setting the strategy never reads would label a run with something it did not measure. The affinity
            // secret the lab adds to every pool is not the scenario's.
            if (warning.contains(": ignored: ") && (hasAffinity || !warning.contains("pools." + POOL + ".affinity:"))) {
                throw relocate(new ConfigException(warning), entry, file);
            }
        }
        return config.pools().get(POOL);
    }

    /** Why this build of stickylb cannot run {@code pool}'s strategy, or null when it can. */
    static String unavailable(PoolConfig pool) {
        try {
            LoadBalancingStrategy.create(pool);
            return null;
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            return e.getMessage() + " in this build of stickylb";
        }
    }

    /** The loader's message ({@code file:N: pools.lab.hash: problem}) at the scenario's line and path instead. */
    private static ConfigException relocate(ConfigException e, ScenarioNode entry, String file) throws ConfigException {
        Matcher m = LOADER_ERROR.matcher(String.valueOf(e.getMessage()));
        if (!m.matches()) {
            return new ConfigException(file + ":" + entry.line() + ": " + entry.path() + ": " + e.getMessage(), e);
        }
        String subPath = m.group(1);
        ScenarioNode at = entry;
        if (subPath != null) {
            String first = subPath.split("[.\\[]", 2)[0];
            Map<String, ScenarioNode> keys = entry.asMap(null).entries();
            ScenarioNode value = keys.get(first);
            if (value != null) {
                at = value;
            }
        }
        String path = entry.path() + (subPath == null ? "" : "." + subPath);
        return new ConfigException(file + ":" + deepLine(at, subPath) + ": " + path + ": " + m.group(2), e);
    }

    /** The line of the deepest node named by {@code subPath} that exists in the entry (nested keys keep their line). */
    private static int deepLine(ScenarioNode at, String subPath) {
        if (subPath == null) {
            return at.line();
        }
        Node node = at.raw();
        String[] parts = subPath.split("\\.");
        for (int i = 1; i < parts.length && node instanceof MappingNode mapping; i++) {
            String key = parts[i].replaceAll("\\[.*", "");
            Node next = null;
            for (NodeTuple t : mapping.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
                    next = t.getValueNode();
                }
            }
            if (next == null) {
                break;
            }
            node = next;
        }
        return node.getStartMark().map(mark -> mark.getLine() + 1).orElse(at.line());
    }

    private static String emit(Node node) {
        DumpSettings settings = DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK)
                .setDefaultScalarStyle(ScalarStyle.PLAIN).setIndent(2).build();
        return new Present(settings).emitToString(new Serialize(settings).serializeOne(node).iterator());
    }
}
