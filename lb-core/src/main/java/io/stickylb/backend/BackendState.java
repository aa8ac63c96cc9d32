package io.stickylb.backend;

/**
 * The state of one backend. UP and DOWN are decided by health checks; DRAINING and MAINTENANCE are set by an
 * operator. A DRAINING backend keeps serving its sticky clients but gets no new ones; MAINTENANCE gets nothing.
 */
public enum BackendState {
    UP, DOWN, DRAINING, MAINTENANCE;

    /** True when new clients may be assigned to a backend in this state. */
    public boolean acceptsNewClients() {
        return this == UP;
    }

    /** True when clients already pinned to a backend in this state may keep using it. */
    public boolean acceptsStickyClients() {
        return this == UP || this == DRAINING;
    }
}
