package io.stickylb.strategy;

import io.stickylb.backend.Backend;
import io.stickylb.routing.RequestContext;

/**
 * Consistent hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam 2018): a backend takes another key only while
 * its in-flight requests stay under {@code factor × (total + 1)} times its weight's share, so hot keys spill over
 * instead of melting their home. A factor of 0 turns it off.
 */
final class BoundedLoad {

    private final double factor;

    BoundedLoad(double factor) {
        this.factor = factor;
    }

    boolean enabled() {
        return factor > 0;
    }

    /** The in-flight requests over the backends sharing the load; only summed when bounded load is on. */
    long totalInFlight(Backend[] backends) {
        if (!enabled()) {
            return 0;
        }
        long total = 0;
        for (Backend b : backends) {
            total += b.inFlight();
        }
        return total;
    }

    /**
     * Whether {@code b} may take one more request:
     * {@code inFlight < ceil(factor × (total + 1) × weight / totalWeight)}, the paper's capacity scaled by weight over
     * the mean weight. The capacities add up to more than the total, so some backend always has room.
     */
    boolean hasRoom(Backend b, long totalInFlight, long totalWeight) {
        if (!enabled()) {
            return true;
        }
        double capacity = Math.ceil(factor * (totalInFlight + 1) * b.weight() / totalWeight);
        return b.inFlight() < capacity;
    }

    /** The candidate with the fewest in-flight requests for its weight that the request may use, or null. */
    static Backend leastLoaded(RequestContext ctx, Backend[] candidates) {
        Backend best = null;
        for (Backend b : candidates) {
            // inFlight/weight compared by cross-multiplying, exact in longs.
            if (!ctx.excluded(b) && (best == null
                    || (long) b.inFlight() * best.weight() < (long) best.inFlight() * b.weight())) {
                best = b;
            }
        }
        return best;
    }
}
