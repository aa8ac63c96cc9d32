package io.stickylb.strategy;

import io.stickylb.backend.Backend;
import io.stickylb.routing.RequestContext;

/**
 * Weighted rendezvous (highest-random-weight) hashing for the deterministic successor: every backend gets the score
 * {@code -weight / ln(u)} with {@code u = uniform(0,1)} from {@code hash(clientKey, backendId)}, and the client goes
 * to the best-scoring available backend. Each client thus has its own order over the backends, computed from stable
 * ids alone: every stickylb instance sends an orphan to the same successor without shared state, the orphans of one
 * backend spread over the survivors in proportion to their weights, and nobody else moves.
 */
final class Rendezvous {

    private Rendezvous() {
    }

    /** The best-scoring backend among the request's candidates that it has not excluded, or null. */
    static Backend successor(RequestContext ctx, long clientKey) {
        Backend best = null;
        double bestScore = -1;
        for (Backend b : ctx.candidates()) {
            if (ctx.excluded(b)) {
                continue;
            }
            double s = score(clientKey, b.id(), b.weight());
            // Ties (practically impossible) go to the smaller id, so every instance agrees.
            if (s > bestScore || s == bestScore && best != null && b.id().compareTo(best.id()) < 0) {
                best = b;
                bestScore = s;
            }
        }
        return best;
    }

    /** The score of backend {@code id} for this client: larger wins. */
    static double score(long clientKey, String id, int weight) {
        long h = mix(clientKey ^ KeyHash.of(id) * 0x9E3779B97F4A7C15L);
        // 53 random bits, centred in their interval so u is never 0 or 1 and ln(u) is finite and negative.
        double u = ((h >>> 11) + 0.5) * 0x1.0p-53;
        return -weight / Math.log(u);
    }

    /** The client key of a session id (route-suffix and learn modes; token modes use the token's nonce). */
    static long keyOf(CharSequence sessionId) {
        return KeyHash.of(sessionId);
    }

    /** Stafford's variant 13 of the MurmurHash3 finaliser (as SplitMix64): a full-avalanche 64-bit mix. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
