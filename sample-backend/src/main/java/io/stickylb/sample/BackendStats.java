package io.stickylb.sample;

/**
 * A snapshot of a backend's counters since it started.
 *
 * @param backend             the backend id
 * @param requests            every HTTP request received, whatever the path (a {@code /stats} request counts itself)
 * @param sessionsCreated     sessions this backend created
 * @param sessionsLost        requests that carried a session id this backend's store did not know
 * @param activeSessions      live sessions in the store, or -1 when the store cannot tell cheaply (Redis)
 * @param connectionsAccepted TCP connections accepted; compare with {@code requests} to see keep-alive reuse
 * @param connectionsOpen     TCP connections open now
 * @param inService           requests holding a concurrency slot now
 * @param queued              requests waiting for a concurrency slot now
 */
public record BackendStats(String backend, long requests, long sessionsCreated, long sessionsLost,
        long activeSessions, long connectionsAccepted, long connectionsOpen, int inService, int queued) {

    /** The {@code GET /stats} body. */
    public String toJson() {
        return new Json()
                .field("backend", backend)
                .field("requests", requests)
                .field("sessionsCreated", sessionsCreated)
                .field("sessionsLost", sessionsLost)
                .field("activeSessions", activeSessions)
                .field("connectionsAccepted", connectionsAccepted)
                .field("connectionsOpen", connectionsOpen)
                .field("inService", inService)
                .field("queued", queued)
                .toString();
    }
}
