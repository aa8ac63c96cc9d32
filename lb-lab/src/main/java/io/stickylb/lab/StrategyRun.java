package io.stickylb.lab;

import io.stickylb.backend.AdminState;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.backend.BackendState;
import io.stickylb.config.AccessLogConfig;
import io.stickylb.config.BackendConfig;
import io.stickylb.config.CidrRange;
import io.stickylb.config.Endpoint;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.RouteConfig;
import io.stickylb.server.LoadBalancer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One strategy of a scenario, end to end: fresh backends, stickylb in-process on a free loopback port with the
 * strategy's pool, the seeded client load, the fault schedule at its times (applied off the watching thread, so a
 * slow graceful stop does not delay measurements), then the results. Everything it started is stopped in
 * {@code finally}, also when it fails or is interrupted.
 */
final class StrategyRun {

    private static final long WATCH_NANOS = 10_000_000;

    private final Scenario scenario;
    private final StrategySpec strategy;
    private final BackendFleet.Starter starter;
    private final Progress progress;
    private final AtomicBoolean stop;
    private final List<BackendConfig> inPool = new ArrayList<>();
    /** Weights that add-backend events gave, by backend index: a restart of such a backend keeps its weight. */
    private final Map<Integer, Integer> addedWeights = new HashMap<>();
    /** Backends a remove event took out (added on the fault thread): their retries still count in the report. */
    private final List<Backend> removed = new java.util.concurrent.CopyOnWriteArrayList<>();
    private BackendFleet fleet;
    private LoadBalancer lb;

    StrategyRun(Scenario scenario, StrategySpec strategy, BackendFleet.Starter starter, Progress progress,
            AtomicBoolean stop) {
        this.scenario = scenario;
        this.strategy = strategy;
        this.starter = starter;
        this.progress = progress;
        this.stop = stop;
    }

    RunResult run() throws InterruptedException {
        BackendSpec spec = scenario.backends();
        int maxBackends = spec.count() + (int) scenario.events().stream()
                .filter(e -> e.action() == FaultEvent.Action.ADD_BACKEND).count();
        fleet = new BackendFleet(starter);
        LoadDriver driver = null;
        ExecutorService actions = Executors.newSingleThreadExecutor(r -> new Thread(r, "lab-fault"));
        try {
            fleet.start(spec.count());
            for (int i = 0; i < spec.count(); i++) {
                inPool.add(backendConfig(i));
            }
            lb = new LoadBalancer(config()).start();
            long durationNanos = scenario.duration().toNanos();
            long firstFault = scenario.events().isEmpty() ? Long.MAX_VALUE : scenario.events().get(0).at().toNanos();
            RunRecorder recorder = new RunRecorder(maxBackends, scenario.warmup().toNanos(), durationNanos, firstFault);
            ClientSpec clients = scenario.clients();
            driver = new LoadDriver(lb.address(), clients, new ClientSchedule(clients, scenario.seed()),
                    new ClientPopulation(clients, scenario.seed()), recorder, new ReplyParser(BackendFleet::index),
                    this::sampleInFlight);
            try {
                driver.connect().get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new LabException("the load driver could not start: " + e.getMessage(), e);
            }
            var done = driver.run(durationNanos);
            List<FaultTracker> watching = new ArrayList<>();
            int next = 0;
            while (!done.isDone()) {
                long now = driver.elapsedNanos();
                if (stop.get()) {
                    driver.stop();
                }
                while (next < scenario.events().size() && !stop.get()
                        && scenario.events().get(next).at().toNanos() <= now) {
                    FaultEvent event = scenario.events().get(next++);
                    FaultTracker tracker = driver.markFault(event).get(5, TimeUnit.SECONDS);
                    watching.add(tracker);
                    actions.execute(() -> apply(event));
                }
                watchDown(watching, driver.elapsedNanos());
                progress.update(now, durationNanos, recorder.requests, recorder.errors);
                Thread.sleep(WATCH_NANOS / 1_000_000);
            }
            long elapsed = Math.min(driver.elapsedNanos(), durationNanos);
            progress.update(elapsed, durationNanos, recorder.requests, recorder.errors);
            actions.shutdown();
            actions.awaitTermination(10, TimeUnit.SECONDS);
            return RunResults.of(strategy, recorder, spec.count(), fleet.size(), retries(), driver.unsent, elapsed,
                    stop.get());
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // Only marking a fault waits on the driver here (its start is caught above).
            throw new LabException("the load driver did not take a fault event in time: " + e, e);
        } finally {
            actions.shutdownNow();
            if (driver != null) {
                driver.close();
            }
            if (lb != null) {
                lb.close(Duration.ofMillis(200));
            }
            fleet.close();
        }
    }

    private void apply(FaultEvent event) {
        int i = event.backend();
        String id = BackendFleet.id(i);
        try {
            switch (event.action()) {
                case KILL -> fleet.get(i).kill();
                case STOP -> fleet.get(i).stop();
                case UNHEALTHY -> HealthControl.setHealth(fleet.get(i).port(), 503);
                case HEALTHY -> HealthControl.setHealth(fleet.get(i).port(), 200);
                case DRAIN -> pool().setAdminState(id, AdminState.DRAINING, "lab: drain");
                case RESTART -> {
                    fleet.restart(i);
                    inPool.replaceAll(b -> b.id().equals(id) ? backendConfig(i) : b);
                    lb.reload(config());
                }
                case ADD_BACKEND -> {
                    int added = fleet.add();
                    addedWeights.put(added, event.weight());
                    inPool.add(backendConfig(added));
                    lb.reload(config());
                }
                case REMOVE -> {
                    Backend leaving = pool().snapshot().find(id);
                    if (leaving != null) {
                        removed.add(leaving);
                    }
                    inPool.removeIf(b -> b.id().equals(id));
                    lb.reload(config());
                }
            }
            progress.event(event, "");
        } catch (RuntimeException e) {
            progress.event(event, "failed: " + e.getMessage());
        }
    }

    /** Records when the proxy first marks a failed backend DOWN (kill, stop, unhealthy). */
    private void watchDown(List<FaultTracker> watching, long now) {
        for (FaultTracker t : watching) {
            FaultEvent.Action a = t.event.action();
            boolean detectable = a == FaultEvent.Action.KILL || a == FaultEvent.Action.STOP
                    || a == FaultEvent.Action.UNHEALTHY;
            if (detectable && t.downAfterNanos < 0) {
                Backend b = pool().snapshot().find(BackendFleet.id(t.event.backend()));
                if (b != null && b.state() == BackendState.DOWN) {
                    t.downAfterNanos = Math.max(0, now - t.firedNanos);
                }
            }
        }
    }

    /** On the driver's loop: the proxy's in-flight count per backend, for the peaks. */
    private void sampleInFlight(RunRecorder recorder) {
        for (Backend b : pool().snapshot().all()) {
            int index = BackendFleet.index(b.id());
            if (index >= 0) {
                recorder.inFlight(index, b.inFlight());
            }
        }
    }

    /** Per backend, the retries its failures caused: those still in the pool and those a remove event took out. */
    private long[] retries() {
        long[] retries = new long[fleet.size()];
        List<Backend> all = new ArrayList<>(pool().backends());
        all.addAll(removed);
        for (Backend b : all) {
            int index = BackendFleet.index(b.id());
            if (index >= 0 && index < retries.length) {
                retries[index] += b.stats().retries.sum();
            }
        }
        return retries;
    }

    private BackendPool pool() {
        return lb.upstreams().pool(PoolSettings.POOL);
    }

    private BackendConfig backendConfig(int index) {
        return new BackendConfig(BackendFleet.id(index), new Endpoint("127.0.0.1", fleet.get(index).port()),
                addedWeights.getOrDefault(index, scenario.backends().weight(index)));
    }

    /**
     * The proxy's config: the strategy's pool over the backends now in it, a catch-all route, and the lab trusted as
     * a proxy so the virtual clients' X-Forwarded-For addresses count.
     */
    private LoadBalancerConfig config() {
        return new LoadBalancerConfig(null, new Endpoint("127.0.0.1", 0), 0,
                Map.of(PoolSettings.POOL, strategy.pool().withBackends(inPool)),
                List.of(new RouteConfig("*", "/", PoolSettings.POOL)), List.of(CidrRange.parse("127.0.0.0/8")), null,
                AccessLogConfig.OFF, null, Duration.ofSeconds(1));
    }
}
