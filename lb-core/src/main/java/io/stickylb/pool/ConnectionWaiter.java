package io.stickylb.pool;

/**
 * A request waiting for a connection to its backend because {@code max-pending-per-backend} connections to it are
 * already being opened. Its loop's {@link UpstreamConnections} wakes it when a connection to that backend is released
 * on the loop or a connect to it finishes anywhere; a wake-up is a hint, and the waiter checks again.
 */
public interface ConnectionWaiter {

    /**
     * Tries again to take an idle connection or start a connect. Returns false when it still must wait (it then
     * stays first in line); true when it got one, failed for another reason, or no longer waits (its request ended).
     */
    boolean tryAgain();

    /**
     * A reload removed the backend this request waits for: it leaves the line (already taken out of it) and chooses
     * again among its pool's backends as they now stand, or is answered when none is left.
     */
    void backendRemoved();
}
