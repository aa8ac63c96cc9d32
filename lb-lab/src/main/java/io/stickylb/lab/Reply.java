package io.stickylb.lab;

/**
 * What the sample backend said about one request: which backend answered ({@code -1} when the answer did not come
 * from a backend, e.g. the proxy's 502), and whether the session was new or had been lost.
 */
record Reply(int status, int backend, boolean sessionNew, boolean sessionLost) {

    static Reply failed(int status) {
        return new Reply(status, -1, false, false);
    }

    boolean ok() {
        return backend >= 0 && status >= 200 && status < 400;
    }
}
