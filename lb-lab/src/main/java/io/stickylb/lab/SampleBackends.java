package io.stickylb.lab;

import io.stickylb.config.Durations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts the sample backends of one strategy run with the scenario's capacity model and session store: as child
 * processes when a fault must kill or stop one (or the scenario says {@code mode: process}), otherwise inside the
 * lab's JVM, which starts in milliseconds.
 */
final class SampleBackends implements BackendFleet.Starter {

    private final Scenario scenario;
    private final String sessionStore;
    private final Path logDir;
    private final boolean processes;

    SampleBackends(Scenario scenario, String sessionStore, Path logDir) {
        this.scenario = scenario;
        this.sessionStore = sessionStore;
        this.logDir = logDir;
        this.processes = needsProcesses(scenario);
    }

    /** Whether this scenario's backends run as child processes. */
    static boolean needsProcesses(Scenario scenario) {
        return switch (scenario.backends().mode()) {
            case PROCESS -> true;
            case IN_PROCESS -> false;
            case AUTO -> scenario.events().stream().anyMatch(e -> e.action() == FaultEvent.Action.KILL
                    || e.action() == FaultEvent.Action.STOP || e.action() == FaultEvent.Action.RESTART);
        };
    }

    @Override
    public LabBackend start(String id, int index) {
        long seed = scenario.seed() * 31 + index;
        if (!processes) {
            return InProcessBackend.start(id, scenario.backends(), sessionStore, seed);
        }
        try {
            Files.createDirectories(logDir);
            int start = starts.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            String log = start == 1 ? id + ".log" : id + "-restart" + (start - 1) + ".log";
            return BackendProcess.start(id, args(id, seed), logDir.resolve(log));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start backend " + id + ": " + e.getMessage(), e);
        }
    }

    private final Map<String, AtomicInteger> starts = new ConcurrentHashMap<>();

    /** The sample backend's command line for this scenario. */
    List<String> args(String id, long seed) {
        BackendSpec spec = scenario.backends();
        List<String> args = new ArrayList<>(List.of("--id", id, "--port", "0",
                "--session-store", sessionStore, "--seed", Long.toString(seed)));
        if (!spec.serviceTime().isZero()) {
            args.addAll(List.of("--service-time", Durations.format(spec.serviceTime()), "--service-time-dist",
                    spec.serviceTimeDistribution().name().toLowerCase(java.util.Locale.ROOT)));
        }
        args.addAll(List.of("--max-concurrency", Integer.toString(spec.maxConcurrency())));
        return args;
    }
}
