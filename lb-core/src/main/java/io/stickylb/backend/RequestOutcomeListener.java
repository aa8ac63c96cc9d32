package io.stickylb.backend;

import io.stickylb.metrics.ErrorKind;

/**
 * Told by the proxy how each request to a backend ended, on the client's event loop; passive health checking
 * (outlier detection) listens here. Implementations must be cheap and must not block.
 */
public interface RequestOutcomeListener {

    RequestOutcomeListener NONE = new RequestOutcomeListener() {
        @Override
        public void failure(Backend backend, ErrorKind kind) {
        }
    };

    /** A failure seen on real traffic: connect failure, reset, timeout, truncation, protocol error. */
    void failure(Backend backend, ErrorKind kind);

    /** A response head arrived from the backend with this status. */
    default void response(Backend backend, int status) {
    }
}
