package io.stickylb.lab;

import io.stickylb.config.Durations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a scenario: each strategy in turn with the same clients, seed and fault schedule, then writes
 * {@code results.json}, {@code results.csv} and {@code report.html} into the output directory. A stop request
 * (Ctrl-C) ends the current run early and skips the rest; what was measured is still written. Every process started
 * (backends, Redis) is stopped before it returns, whatever happens.
 */
public final class Experiment {

    private static final Duration WARM_UP = Duration.ofSeconds(2);

    private final Scenario scenario;
    private final Path outDir;
    private final Progress progress;
    private final AtomicBoolean stop;
    private Duration warmUp = WARM_UP;

    public Experiment(Scenario scenario, Path outDir, Progress progress, AtomicBoolean stop) {
        this.scenario = scenario;
        // Normalized: Files.createDirectories resolves "missing/../x" to ./x, while opening missing/../x/results.json
        // fails because "missing" does not exist; the files were then lost after the whole run (exit 1).
        this.outDir = outDir.toAbsolutePath().normalize();
        this.progress = progress;
        this.stop = stop;
    }

    /** How long to warm the JVM up before the first run (default 2 s, at most half the duration; 0 skips it). */
    public Experiment warmUp(Duration length) {
        this.warmUp = length;
        return this;
    }

    public ExperimentResult run() throws IOException, InterruptedException {
        Files.createDirectories(outDir);
        Path logs = Files.createDirectories(outDir.resolve("logs"));
        String startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        List<RunResult> runs = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        ExperimentResult result;
        RedisServer redis = null;
        ChildProcesses.experimentStarted();
        try {
            String redisUrl = scenario.backends().redisUrl();
            if (scenario.needsRedis() && redisUrl == null && !stop.get()) {
                redis = RedisServer.start(logs);
                redisUrl = redis.url();
                progress.line("redis-server started for the Redis session store at " + redisUrl);
            }
            List<StrategySpec> strategies = scenario.strategies();
            warmUp(logs);
            for (int i = 0; i < strategies.size() && !stop.get(); i++) {
                StrategySpec s = strategies.get(i);
                if (s.unavailable() != null) {
                    progress.line("[" + (i + 1) + "/" + strategies.size() + "] " + s.name() + " skipped: "
                            + s.unavailable());
                    skipped.add(s.name() + ": " + s.unavailable());
                    continue;
                }
                progress.runStarted(i + 1, strategies.size(), s);
                String store = s.sessionStore() == SessionStore.REDIS ? redisUrl : "memory";
                SampleBackends starter = new SampleBackends(scenario, store, logs.resolve(s.name()));
                RunResult r = new StrategyRun(scenario, s, starter, progress, stop).run();
                runs.add(r);
                progress.runFinished(r);
            }
        } finally {
            if (redis != null) {
                redis.close();
            }
            result = new ExperimentResult(scenario.name(), scenario.source(), scenario.seed(),
                    scenario.duration().toMillis() / 1000.0, scenario.warmup().toMillis() / 1000.0, startedAt,
                    settings(scenario), scenarioText(), skipped, runs);
            try {
                write(result);
            } finally {
                ChildProcesses.experimentFinished();
            }
        }
        return result;
    }

    /** Runs the first runnable strategy briefly, unmeasured, so the JIT has compiled the hot paths before run 1. */
    private void warmUp(Path logs) throws InterruptedException {
        StrategySpec first = scenario.strategies().stream().filter(s -> s.unavailable() == null).findFirst()
                .orElse(null);
        Duration length = Duration.ofMillis(Math.min(warmUp.toMillis(), scenario.duration().toMillis() / 2));
        if (first == null || stop.get() || length.isZero()) {
            return;
        }
        progress.line("warming up the JVM for " + length.toMillis() + " ms (not measured)");
        Scenario warm = scenario.warmUpRun(first, length);
        new StrategyRun(warm, warm.strategies().get(0), new SampleBackends(warm, "memory", logs.resolve("warm-up")),
                Progress.silent(), stop).run();
    }

    private void write(ExperimentResult result) throws IOException {
        ResultFiles.writeJson(result, outDir.resolve("results.json"));
        ResultFiles.writeCsv(result, outDir.resolve("results.csv"));
        HtmlReport.write(result, outDir.resolve("report.html"));
    }

    private String scenarioText() {
        try {
            Path p = scenario.source() == null ? null : Path.of(scenario.source());
            return p != null && Files.isRegularFile(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** The scenario as run (after command-line overrides), for results.json. */
    static Map<String, Object> settings(Scenario s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("seed", s.seed());
        m.put("duration", Durations.format(s.duration()));
        m.put("warmup", Durations.format(s.warmup()));
        BackendSpec b = s.backends();
        // Ordered maps throughout: Map.of iterates in an order that changes from one JVM to the next, and two
        // results.json of the same scenario and seed should differ only in what was measured.
        Map<String, Object> backends = new LinkedHashMap<>();
        backends.put("count", b.count());
        backends.put("weights", b.weights());
        backends.put("serviceTime", Durations.format(b.serviceTime()));
        backends.put("serviceTimeDistribution",
                b.serviceTimeDistribution().name().toLowerCase(java.util.Locale.ROOT));
        backends.put("maxConcurrency", b.maxConcurrency());
        backends.put("sessionStore", b.sessionStore().yamlName());
        m.put("backends", backends);
        ClientSpec c = s.clients();
        Map<String, Object> clients = new LinkedHashMap<>();
        clients.put("count", c.count());
        clients.put("distribution", c.distribution().name().toLowerCase(java.util.Locale.ROOT));
        clients.put("s", c.zipfS());
        clients.put("totalRps", c.totalRps());
        clients.put("thinkTime", Durations.format(c.thinkTime()));
        clients.put("keepCookies", c.keepCookies());
        clients.put("natGroups", c.natGroups());
        clients.put("addresses", c.addressCount());
        clients.put("source", c.source().name().toLowerCase(java.util.Locale.ROOT));
        clients.put("loop", c.loop().name().toLowerCase(java.util.Locale.ROOT));
        clients.put("connections", c.connections());
        clients.put("maxInFlight", c.maxInFlight());
        m.put("clients", clients);
        List<Map<String, Object>> strategies = new ArrayList<>();
        for (StrategySpec st : s.strategies()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", st.name());
            e.put("strategy", st.pool().strategy());
            e.put("describe", st.describe());
            e.put("hash", st.pool().hash());
            e.put("balanceFactor", st.pool().balanceFactor());
            e.put("affinityMode", st.pool().affinity().mode().yamlName());
            e.put("sessionStore", st.sessionStore().yamlName());
            strategies.add(e);
        }
        m.put("strategies", strategies);
        List<Map<String, Object>> events = new ArrayList<>();
        for (FaultEvent ev : s.events()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("at", Durations.format(ev.at()));
            e.put("action", ev.action().yamlName());
            e.put("backend", BackendFleet.id(ev.backend()));
            if (ev.action() == FaultEvent.Action.ADD_BACKEND) {
                // The new backend's share of a weighted strategy: without it the settings do not say what was run.
                e.put("weight", ev.weight());
            }
            events.add(e);
        }
        m.put("events", events);
        return m;
    }
}
