package io.stickylb.strategy;

import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;

/**
 * How one affinity mode carries the client's backend: where {@link CookieAffinity} reads it from a request, how the
 * request is cleaned before it goes to the backend, and what the response must carry back. Implementations are
 * immutable (or internally thread-safe) and called from any event loop.
 */
interface AffinityCarrier {

    /** Reads the request's affinity into a fresh state: {@link AffinityState#pin} or an unpinned outcome. */
    void read(HttpRequest request, AffinityState state);

    /** Whether {@link AffinityState#home} names a route ({@code route-suffix}) rather than a backend id. */
    default boolean homeIsRoute() {
        return false;
    }

    /** Removes what the backend must not see; called once, only when {@link AffinityState#strip} is set. */
    default void beforeForward(HttpRequest request, AffinityState state) {
    }

    /** Sets, rewrites or learns the affinity on the final response head; {@code state.chosen} served it. */
    default void beforeRespond(HttpResponse response, AffinityState state) {
    }
}
