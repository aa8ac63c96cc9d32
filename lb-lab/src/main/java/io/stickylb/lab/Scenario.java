package io.stickylb.lab;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One experiment as written in a scenario file: the backends, the client population, the strategies to compare and
 * the fault schedule they all share. Immutable; the {@code with*} copies apply command-line overrides.
 */
public record Scenario(
        String name,
        String source,
        long seed,
        Duration duration,
        Duration warmup,
        BackendSpec backends,
        ClientSpec clients,
        List<StrategySpec> strategies,
        List<FaultEvent> events) {

    public Scenario {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(duration, "duration");
        warmup = warmup == null ? Duration.ZERO : warmup;
        strategies = List.copyOf(strategies);
        events = List.copyOf(events);
    }

    /** The same scenario with another seed. */
    public Scenario withSeed(long newSeed) {
        return new Scenario(name, source, newSeed, duration, warmup, backends, clients, strategies, events);
    }

    /**
     * The same scenario compressed or stretched to {@code newDuration}: event times and the warm-up scale with it, so
     * a kill written at a third of the run still happens at a third of the run.
     */
    public Scenario withDuration(Duration newDuration) {
        double f = (double) newDuration.toMillis() / Math.max(1, duration.toMillis());
        List<FaultEvent> scaled = events.stream().map(e -> e.at(scale(e.at(), f))).toList();
        return new Scenario(name, source, seed, newDuration, scale(warmup, f), backends, clients, strategies, scaled);
    }

    /** The same scenario with another client population (tests shrink it). */
    public Scenario withClients(ClientSpec newClients) {
        return new Scenario(name, source, seed, duration, warmup, backends, newClients, strategies, events);
    }

    /** The same scenario comparing only some of its strategies. */
    public Scenario withStrategies(List<StrategySpec> subset) {
        return new Scenario(name, source, seed, duration, warmup, backends, clients, subset, events);
    }

    /**
     * A short throw-away run of one strategy, in-process, in memory, without faults: it lets the JIT compile the
     * proxy and the load driver before the first measured run, so the first strategy is not handicapped.
     */
    Scenario warmUpRun(StrategySpec strategy, Duration length) {
        BackendSpec b = backends;
        BackendSpec inProcess = new BackendSpec(b.count(), b.weights(), b.serviceTime(), b.serviceTimeDistribution(),
                b.maxConcurrency(), SessionStore.MEMORY, null, BackendSpec.LaunchMode.IN_PROCESS);
        StrategySpec memory = new StrategySpec(strategy.name(), strategy.pool(), SessionStore.MEMORY, null);
        return new Scenario(name, source, seed, length, Duration.ZERO, inProcess, clients, List.of(memory), List.of());
    }

    /** Whether any strategy keeps its sessions in Redis, so the lab needs a Redis server. */
    public boolean needsRedis() {
        return strategies.stream().anyMatch(s -> s.sessionStore() == SessionStore.REDIS && s.unavailable() == null);
    }

    private static Duration scale(Duration d, double f) {
        return Duration.ofMillis(Math.round(d.toMillis() * f));
    }
}
