package io.stickylb.backend;

import io.stickylb.config.BackendConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.strategy.LoadBalancingStrategy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backends of one pool, its strategy and its current {@link PoolSnapshot}. Every change (state, weight, reload)
 * rebuilds the snapshot and publishes it through a volatile field, so the request path reads without locks and
 * in-flight requests keep the snapshot they started with. Writers synchronize on the pool; they are rare.
 */
public final class BackendPool {

    private static final Logger log = LoggerFactory.getLogger(BackendPool.class);

    private final String name;
    private volatile PoolConfig config;
    private volatile LoadBalancingStrategy strategy;
    private volatile PoolSnapshot snapshot;
    private final Map<String, Backend> backends = new LinkedHashMap<>();
    private final List<StateListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile RequestOutcomeListener outcomes = RequestOutcomeListener.NONE;
    private long version;

    public BackendPool(PoolConfig config) {
        this.name = config.name();
        this.config = config;
        for (BackendConfig bc : config.backends()) {
            backends.put(bc.id(), new Backend(name, bc));
        }
        this.strategy = LoadBalancingStrategy.create(config);
        publish();
    }

    public String name() {
        return name;
    }

    public PoolConfig config() {
        return config;
    }

    public LoadBalancingStrategy strategy() {
        return strategy;
    }

    /** The current snapshot; read it once per request. */
    public PoolSnapshot snapshot() {
        return snapshot;
    }

    public synchronized Optional<Backend> backend(String id) {
        return Optional.ofNullable(backends.get(id));
    }

    public synchronized List<Backend> backends() {
        return List.copyOf(backends.values());
    }

    /**
     * Moves a backend to a state as an operator or a test would: UP enables it and marks it healthy, DOWN marks it
     * unhealthy, DRAINING and MAINTENANCE set the operator state. Returns false if the id is unknown.
     */
    public boolean setState(String id, BackendState target, String reason) {
        return change(id, reason, b -> {
            switch (target) {
                case UP -> {
                    b.adminState(AdminState.ENABLED);
                    b.healthy(true);
                    b.ejected(false);
                }
                case DOWN -> b.healthy(false);
                case DRAINING -> b.adminState(AdminState.DRAINING);
                case MAINTENANCE -> b.adminState(AdminState.MAINTENANCE);
            }
        });
    }

    /** Sets the operator state (enable, drain, maintenance). */
    public boolean setAdminState(String id, AdminState state, String reason) {
        return change(id, reason, b -> b.adminState(state));
    }

    /** Records the active health-check verdict. */
    public boolean setHealthy(String id, boolean healthy, String reason) {
        return change(id, reason, b -> b.healthy(healthy));
    }

    /** Records a passive ejection or its end. */
    public boolean setEjected(String id, boolean ejected, String reason) {
        return change(id, reason, b -> b.ejected(ejected));
    }

    /** Overrides the weight at runtime (1..1000); 0 goes back to the configured weight. */
    public boolean setWeight(String id, int weight, String reason) {
        if (weight < 0 || weight > io.stickylb.config.BackendConfig.MAX_WEIGHT) {
            throw new IllegalArgumentException("weight: " + weight
                    + " (expected: 1..1000, or 0 for the configured weight)");
        }
        synchronized (this) {
            Backend b = backends.get(id);
            if (b == null) {
                return false;
            }
            int old = b.weight();
            b.weightOverride(weight);
            publish();
            log.info("backend {}/{} weight {} -> {} ({})", name, id, old, b.weight(), reason);
        }
        return true;
    }

    /** Rebuilds the snapshot, e.g. after effective weights changed (slow start). */
    public synchronized void republish() {
        publish();
    }

    private boolean change(String id, String reason, java.util.function.Consumer<Backend> mutation) {
        synchronized (this) {
            Backend b = backends.get(id);
            if (b == null) {
                return false;
            }
            BackendState old = b.state();
            mutation.accept(b);
            BackendState now = b.state();
            publish();
            if (old != now) {
                log.info("backend {}/{} {} -> {} ({})", name, id, old, now, reason);
                listeners.forEach(l -> l.stateChanged(b, old, now, reason));
            }
        }
        return true;
    }

    /**
     * Observers of state changes (admin API history, metrics, drain tracking). Called under the pool's lock: be quick.
     */
    public void addStateListener(StateListener listener) {
        listeners.add(listener);
    }

    public void removeStateListener(StateListener listener) {
        listeners.remove(listener);
    }

    /** Told about every backend state change. */
    @FunctionalInterface
    public interface StateListener {
        void stateChanged(Backend backend, BackendState from, BackendState to, String reason);
    }

    /** Where the proxy reports how each request ended (passive health). */
    public RequestOutcomeListener outcomes() {
        return outcomes;
    }

    public void outcomes(RequestOutcomeListener listener) {
        this.outcomes = listener == null ? RequestOutcomeListener.NONE : listener;
    }

    /**
     * Applies a new config for this pool: backends with the same id keep their object, state and counters; new ones
     * are added; removed ones are returned so the caller can drain and close their connections.
     */
    public synchronized List<Backend> reconfigure(PoolConfig newConfig) {
        return reconfigure(newConfig, new ArrayList<>());
    }

    /**
     * As {@link #reconfigure(PoolConfig)}, also collecting backends that kept their id but changed address in
     * {@code moved}: their pooled connections point at the old address. A strategy whose settings did not change is
     * kept, with what it learned (round-robin position, learned sessions).
     */
    public synchronized List<Backend> reconfigure(PoolConfig newConfig, List<Backend> moved) {
        return reconfigure(newConfig, moved, strategyFor(newConfig));
    }

    /**
     * The strategy {@code newConfig} calls for: this pool's own while its settings are unchanged, else a new one. It
     * throws {@link IllegalArgumentException} for settings the engine refuses, before anything changed, so a reload can
     * prepare every pool's strategy first and be refused as a whole.
     */
    public LoadBalancingStrategy strategyFor(PoolConfig newConfig) {
        return config.sameStrategySettings(newConfig) ? strategy : LoadBalancingStrategy.create(newConfig);
    }

    /** As {@link #reconfigure(PoolConfig, List)}, with the strategy {@link #strategyFor} prepared for it. */
    public synchronized List<Backend> reconfigure(PoolConfig newConfig, List<Backend> moved,
            LoadBalancingStrategy prepared) {
        Map<String, Backend> next = new LinkedHashMap<>();
        List<Backend> movedHere = new ArrayList<>();
        for (BackendConfig bc : newConfig.backends()) {
            Backend existing = backends.get(bc.id());
            if (existing != null) {
                if (!existing.endpoint().equals(bc.address())) {
                    // Same id, new address: keep state and counters, but connections to the old address must go.
                    moved.add(existing);
                    movedHere.add(existing);
                }
                existing.applyConfig(bc);
                next.put(bc.id(), existing);
            } else {
                next.put(bc.id(), new Backend(name, bc));
            }
        }
        List<Backend> removed = new ArrayList<>();
        for (Backend b : backends.values()) {
            if (!next.containsKey(b.id())) {
                removed.add(b);
            }
        }
        backends.clear();
        backends.putAll(next);
        for (Backend b : movedHere) {
            if (b.ejected()) {
                // The failures that ejected it were at the old address; the new one has not failed yet (a server
                // restarted elsewhere, as the lab's restart does, would otherwise sit out the whole ejection).
                change(b.id(), "reload moved it to " + b.endpoint() + ": passive ejection for failures at the old"
                        + " address lifted", x -> x.ejected(false));
            }
        }
        this.config = newConfig;
        this.strategy = prepared;
        publish();
        return removed;
    }

    private void publish() {
        version++;
        snapshot = new PoolSnapshot(version, new ArrayList<>(backends.values()), config.health().panicThreshold());
    }
}
