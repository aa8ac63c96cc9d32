package io.stickylb.sample.session;

import java.time.Instant;
import java.util.Objects;

/**
 * A snapshot of one session as a store saw it; {@code requests} already counts the request that produced it.
 *
 * @param id        the bare session id, without any {@code .jvmRoute} suffix
 * @param requests  how many requests the session has served, including the current one
 * @param createdAt when the session was created
 * @param createdBy the id of the backend that created it (differs from the serving backend with a shared store)
 */
public record Session(String id, long requests, Instant createdAt, String createdBy) {

    public Session {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(createdBy, "createdBy");
    }
}
