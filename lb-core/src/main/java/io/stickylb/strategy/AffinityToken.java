package io.stickylb.strategy;

/**
 * What an affinity token says: the backend's stable id (never its address), the client's random nonce (its key for
 * the deterministic successor), when the token was first issued and last refreshed (epoch seconds), and which of the
 * configured keys verified it (0 is the current signing key; higher means it should be re-signed).
 */
record AffinityToken(String backendId, long nonce, long issued, long refreshed, int keyIndex) {

    /** The same client pinned to another backend, refreshed now. */
    AffinityToken pinnedTo(String id, long now) {
        return new AffinityToken(id, nonce, issued, now, 0);
    }
}
