package io.stickylb.lab;

import io.stickylb.config.ConfigException;
import io.stickylb.config.ConfigText;
import io.stickylb.config.PoolConfig;
import io.stickylb.config.YamlLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads a scenario file ({@code config/experiments/*.yaml}). Every error is a {@link ConfigException} reading
 * {@code <file>:<line>: <key.path>: <problem>}, as lb-core's config errors do; the strategy entries are pool settings
 * and go through lb-core's loader (see {@link PoolSettings}).
 */
public final class ScenarioLoader {

    private static final Set<String> TOP = keys("name", "description", "seed", "duration", "warmup", "backends",
            "clients", "strategies", "events");
    private static final Set<String> BACKENDS = keys("count", "weights", "service-time", "service-time-dist",
            "max-concurrency", "session-store", "redis-url", "mode");
    private static final Set<String> CLIENTS = keys("count", "rate", "think-time", "keep-cookies", "nat-groups",
            "source", "loop", "connections", "max-in-flight");
    private static final Set<String> RATE = keys("distribution", "s", "total-rps");
    private static final Set<String> EVENT = keys("at", "action", "backend", "weight");
    private static final int MAX_CLIENTS = 10_000_000;

    private ScenarioLoader() {
    }

    public static Scenario load(Path file) throws ConfigException {
        return parse(ConfigText.read(file), file.toString());
    }

    public static Scenario parse(String yaml, String file) throws ConfigException {
        Node root;
        try {
            LoadSettings settings = LoadSettings.builder().setLabel(file).build();
            YamlLimits.check(yaml, settings);
            root = new Compose(settings).composeString(yaml)
                    .orElseThrow(() -> ScenarioNode.error(file, 1, "", "the file is empty"));
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark().or(e::getContextMark).map(m -> m.getLine() + 1).orElse(1);
            throw new ConfigException(file + ":" + line + ": YAML syntax error: " + e.getProblem(), e);
        } catch (YamlEngineException e) {
            throw new ConfigException(file + ": YAML error: " + e.getMessage(), e);
        }
        ScenarioNode.Mapping top = new ScenarioNode(file, root, "").asMap(TOP);
        String name = top.string("name", fileName(file));
        // The name is the default output directory (lab-results/<name>): a '/' or '..' would write elsewhere.
        if (!validName(name)) {
            String problem = "'" + name + "' (expected 1-64 letters, digits, '.', '_' or '-', not '.' or '..')";
            throw top.has("name") ? top.get("name").error(problem)
                    : ScenarioNode.error(file, 1, "name", problem + ", taken from the file name: set name:");
        }
        long seed = top.has("seed") ? top.get("seed").asLong(Long.MIN_VALUE, Long.MAX_VALUE) : 1;
        Duration duration = positive(top.required("duration"));
        Duration warmup = top.duration("warmup", Duration.ZERO);
        if (warmup.compareTo(duration) >= 0) {
            throw top.get("warmup").error("warm-up " + warmup.toMillis() + "ms is not shorter than the duration");
        }
        BackendSpec backends = backends(top.required("backends"));
        ClientSpec clients = clients(top.required("clients"));
        List<FaultEvent> events = events(top.get("events"), backends.count(), duration, warmup);
        int maxBackends = backends.count() + (int) events.stream()
                .filter(e -> e.action() == FaultEvent.Action.ADD_BACKEND).count();
        List<StrategySpec> strategies = strategies(top.required("strategies"), file, maxBackends, backends);
        return new Scenario(name, file, seed, duration, warmup, backends, clients, strategies, events);
    }

    private static BackendSpec backends(ScenarioNode node) throws ConfigException {
        ScenarioNode.Mapping m = node.asMap(BACKENDS);
        List<Integer> weights = new ArrayList<>();
        if (m.has("weights")) {
            for (ScenarioNode w : m.get("weights").asList()) {
                weights.add(w.asInt(1, 1000));
            }
        }
        int count = m.has("count") ? m.get("count").asInt(1, 64) : weights.size();
        if (count == 0) {
            throw m.node().error("give the number of backends ('count') or their 'weights'");
        }
        if (!weights.isEmpty() && weights.size() != count) {
            throw m.get("weights").error(weights.size() + " weights for " + count + " backends");
        }
        SessionStore store = m.enumValue("session-store", SessionStore.class, SessionStore.MEMORY);
        String redisUrl = m.string("redis-url", null);
        if (redisUrl != null && !redisUrl.startsWith("redis://")) {
            throw m.get("redis-url").error("'" + redisUrl + "' (expected redis://HOST:PORT)");
        }
        return new BackendSpec(count, weights, m.duration("service-time", Duration.ofMillis(1)),
                m.enumValue("service-time-dist", BackendSpec.ServiceTimeDistribution.class,
                        BackendSpec.ServiceTimeDistribution.FIXED),
                m.integer("max-concurrency", 64, 1, 100_000), store, redisUrl,
                m.enumValue("mode", BackendSpec.LaunchMode.class, BackendSpec.LaunchMode.AUTO));
    }

    private static ClientSpec clients(ScenarioNode node) throws ConfigException {
        ScenarioNode.Mapping m = node.asMap(CLIENTS);
        int count = m.required("count").asInt(1, MAX_CLIENTS);
        ClientSpec.RateDistribution dist = ClientSpec.RateDistribution.UNIFORM;
        double s = 1.0;
        double rps = 500;
        if (m.has("rate")) {
            ScenarioNode.Mapping rate = m.get("rate").asMap(RATE);
            dist = rate.enumValue("distribution", ClientSpec.RateDistribution.class, dist);
            s = rate.number("s", s, 0, 10);
            rps = rate.number("total-rps", rps, 1, 1_000_000);
            if (rate.has("s") && dist != ClientSpec.RateDistribution.ZIPF) {
                throw rate.get("s").error("'s' is the Zipf exponent; set 'distribution: zipf' to use it");
            }
        }
        ClientSpec.LoadModel loop = m.enumValue("loop", ClientSpec.LoadModel.class, ClientSpec.LoadModel.OPEN);
        int natGroups = m.integer("nat-groups", 0, 0, MAX_CLIENTS);
        if (natGroups > count) {
            // Likely a typo or a leftover of a bigger scenario: it would silently put everyone behind one address.
            throw m.get("nat-groups").error(natGroups + " clients per address, but there are only " + count
                    + " clients (expected 0.." + count + ")");
        }
        return new ClientSpec(count, dist, s, rps, m.duration("think-time", Duration.ZERO),
                m.number("keep-cookies", 1.0, 0, 1), natGroups,
                m.enumValue("source", ClientSpec.AddressSource.class, ClientSpec.AddressSource.FORWARDED), loop,
                m.integer("connections", 256, 1, 4096), m.integer("max-in-flight", 1, 1, 100));
    }

    private static List<StrategySpec> strategies(ScenarioNode node, String file, int backendCount,
            BackendSpec backends) throws ConfigException {
        List<StrategySpec> result = new ArrayList<>();
        Set<String> names = new HashSet<>();
        List<ScenarioNode> entries = node.asList();
        if (entries.isEmpty()) {
            throw node.error("no strategies (expected at least one, e.g. - { name: rr, strategy: round-robin })");
        }
        for (ScenarioNode entry : entries) {
            ScenarioNode.Mapping m = entry.asMap(null);
            PoolConfig pool = PoolSettings.read(entry, file, backendCount);
            String name = m.string("name", pool.strategy());
            if (!validName(name)) {
                throw m.get("name").error("'" + name + "' (expected 1-64 letters, digits, '.', '_' or '-')");
            }
            if (!names.add(name)) {
                throw (m.has("name") ? m.get("name") : entry).error("duplicate strategy name '" + name
                        + "' (give each entry its own 'name')");
            }
            SessionStore store = m.enumValue("session-store", SessionStore.class, backends.sessionStore());
            result.add(new StrategySpec(name, pool, store, PoolSettings.unavailable(pool)));
        }
        return result;
    }

    private static List<FaultEvent> events(ScenarioNode node, int backendCount, Duration duration, Duration warmup)
            throws ConfigException {
        List<FaultEvent> events = new ArrayList<>();
        if (node == null) {
            return events;
        }
        int backends = backendCount;
        for (ScenarioNode entry : node.asList()) {
            ScenarioNode.Mapping m = entry.asMap(EVENT);
            Duration at = m.required("at").asDuration();
            if (at.compareTo(duration) >= 0) {
                throw m.get("at").error(at.toMillis() + "ms is not within the run (duration "
                        + duration.toMillis() + "ms)");
            }
            if (at.compareTo(warmup) <= 0) {
                // The imbalance window (warm-up to first fault) would be empty, and the losses of clients returning
                // in the warm-up would be expected but, like every warm-up request, not counted.
                throw m.get("at").error(at.toMillis() + "ms is not after the warm-up (" + warmup.toMillis()
                        + "ms); a fault must come after it");
            }
            FaultEvent.Action action = m.required("action").asEnum(FaultEvent.Action.class);
            int backend;
            if (action == FaultEvent.Action.ADD_BACKEND) {
                if (m.has("backend")) {
                    throw m.get("backend").error("add-backend starts a new backend (b" + (backends + 1)
                            + "); it names none");
                }
                backend = backends++;
            } else {
                backend = backendIndex(m.required("backend"), backends);
            }
            if (!events.isEmpty() && at.compareTo(events.get(events.size() - 1).at()) < 0) {
                throw m.get("at").error("events must be in time order");
            }
            if (action != FaultEvent.Action.ADD_BACKEND && m.has("weight")) {
                // Read and then ignored, a weight here would look like it changed the backend's share.
                throw m.get("weight").error("weight is for add-backend (the new backend's weight); "
                        + action.yamlName() + " keeps the backend's weight");
            }
            events.add(new FaultEvent(at, action, backend, m.integer("weight", 1, 1, 1000)));
        }
        return events;
    }

    /** {@code 2} or {@code b2}: the second backend. */
    private static int backendIndex(ScenarioNode node, int backends) throws ConfigException {
        String text = node.asString();
        String digits = text.startsWith("b") ? text.substring(1) : text;
        int n;
        try {
            n = Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            throw node.error("'" + text + "' is not a backend (expected 1.." + backends + " or b1..b" + backends + ")");
        }
        if (n < 1 || n > backends) {
            throw node.error("backend " + text + " does not exist (expected 1.." + backends + ")");
        }
        return n - 1;
    }

    private static Duration positive(ScenarioNode node) throws ConfigException {
        Duration d = node.asDuration();
        if (d.isZero()) {
            throw node.error("must be more than 0");
        }
        return d;
    }

    /** A scenario's or strategy's name: also a directory name, so no separators and no '.' or '..'. */
    private static boolean validName(String name) {
        return name.matches("[A-Za-z0-9._-]{1,64}") && !name.equals(".") && !name.equals("..");
    }

    private static String fileName(String file) {
        String name = Path.of(file).getFileName().toString();
        return name.endsWith(".yaml") ? name.substring(0, name.length() - 5) : name;
    }

    private static Set<String> keys(String... keys) {
        return java.util.Collections.unmodifiableSet(new LinkedHashSet<>(List.of(keys)));
    }
}
