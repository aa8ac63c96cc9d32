package io.stickylb.sample.session;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Keeps sessions for a backend. Every method is non-blocking, so an event loop may call it directly; another kind of
 * store (a replicated data grid, say) is one more implementation of this interface.
 */
public interface SessionStore extends AutoCloseable {

    /** A short name for the JSON {@code store} field, e.g. {@code memory} or {@code redis}. */
    String kind();

    /** The live session with this bare id, without counting a request or refreshing its expiry. */
    CompletionStage<Optional<Session>> find(String id);

    /**
     * Counts one request on the live session with this bare id and restarts its time to live; empty when the store
     * does not know the id or the session expired.
     */
    CompletionStage<Optional<Session>> touch(String id);

    /** Creates a session with a fresh unguessable id, its first request already counted. */
    CompletionStage<Session> create();

    /** How many live sessions the store holds, or -1 when it cannot tell cheaply. */
    long activeSessions();

    /** Releases connections or memory; the store is unusable afterwards. */
    @Override
    void close();
}
