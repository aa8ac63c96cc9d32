package io.stickylb.backend;

import java.util.ArrayList;
import java.util.List;

/**
 * An immutable view of a pool at one moment: all backends in config order, those that take new clients, and those
 * that may keep serving sticky clients. A request reads one snapshot at its start and keeps it.
 */
public final class PoolSnapshot {

    private final long version;
    private final Backend[] all;
    private final Backend[] available;
    private final Backend[] sticky;
    private final boolean panic;

    PoolSnapshot(long version, List<Backend> backends, int panicThresholdPercent) {
        this.version = version;
        this.all = backends.toArray(new Backend[0]);
        List<Backend> up = new ArrayList<>();
        List<Backend> stickyOk = new ArrayList<>();
        for (Backend b : backends) {
            if (b.state().acceptsNewClients()) {
                up.add(b);
            }
            if (b.state().acceptsStickyClients()) {
                stickyOk.add(b);
            }
        }
        // Panic mode (as Envoy's): when too few backends are healthy, spread over the UP and DOWN ones rather than
        // melting the few that are left. Health decides it: the healthy are those that may serve their sticky clients,
        // draining ones included (the operator took them out of rotation, their checks did not), so a routine drain
        // never sends new clients to a dead backend.
        int eligible = (int) backends.stream().filter(b -> b.state() != BackendState.MAINTENANCE).count();
        boolean panicNow = eligible > 0 && panicThresholdPercent > 0
                && stickyOk.size() * 100 < panicThresholdPercent * eligible;
        if (panicNow) {
            up = backends.stream().filter(b -> b.state() == BackendState.UP || b.state() == BackendState.DOWN).toList();
            if (up.isEmpty()) {
                panicNow = false;
            }
        }
        this.panic = panicNow;
        this.available = up.toArray(new Backend[0]);
        this.sticky = stickyOk.toArray(new Backend[0]);
    }

    /** Increases with every change, so strategies can cache tables per snapshot. */
    public long version() {
        return version;
    }

    /** Every backend of the pool in config order, whatever its state. Do not modify. */
    public Backend[] all() {
        return all;
    }

    /** Backends that may take new clients (UP, or everything but maintenance in panic mode). Do not modify. */
    public Backend[] available() {
        return available;
    }

    /** Backends that may keep serving clients already pinned to them (UP and DRAINING). Do not modify. */
    public Backend[] sticky() {
        return sticky;
    }

    /** True when the pool is in panic mode. */
    public boolean panic() {
        return panic;
    }

    public Backend find(String id) {
        for (Backend b : all) {
            if (b.id().equals(id)) {
                return b;
            }
        }
        return null;
    }
}
