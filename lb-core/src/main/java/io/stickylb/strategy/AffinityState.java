package io.stickylb.strategy;

import io.stickylb.backend.Backend;
import io.stickylb.routing.AffinityOutcome;

/**
 * What cookie affinity learnt about one request, carried from {@code choose} (read once, reused when the proxy
 * chooses again after a connect failure) to {@code beforeForward} and {@code beforeRespond} as the request
 * context's attachment. Confined to the request's event loop.
 */
final class AffinityState {

    /** The carrier that read the request; the same one writes the response, even across a config reload. */
    final AffinityCarrier carrier;
    /** Epoch seconds when the request was first chosen for. */
    final long now;
    /** Why the request has no usable affinity (NEW, FORGED, EXPIRED); null when it is pinned to {@link #home}. */
    AffinityOutcome unpinned = AffinityOutcome.NEW;
    /** The backend id (route in route-suffix mode) the request is pinned to, or null. */
    String home;
    /** The client's key for the deterministic successor: the token nonce or the session id's hash. */
    long clientKey;
    /** The verified token (insert and prefix modes), or null. */
    AffinityToken token;
    /** The application's session id (learn and route-suffix modes), or null. */
    String sessionId;
    /** The request head carries affinity data that must not reach the backend. */
    boolean strip;
    /** The latest choice: the backend serving the request, or null. */
    Backend chosen;
    /** The latest choice was a successor because the home backend could not serve. */
    boolean broken;
    /** The affinity must move to {@link #chosen} (broken, with change-cookie-on-failure and return-home: never). */
    boolean repin;

    AffinityState(AffinityCarrier carrier, long now) {
        this.carrier = carrier;
        this.now = now;
    }

    void pin(String home, long clientKey) {
        this.home = home;
        this.clientKey = clientKey;
        this.unpinned = null;
    }

    /** A verified token, or one of ours that expired: a carrier reads no further cookie pairs. */
    boolean settled() {
        return token != null || unpinned == AffinityOutcome.EXPIRED;
    }
}
