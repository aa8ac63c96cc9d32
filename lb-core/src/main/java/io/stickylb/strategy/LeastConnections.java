package io.stickylb.strategy;

import io.stickylb.backend.Backend;
import io.stickylb.routing.RequestContext;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code least-connections}: the backend with the fewest in-flight requests for its weight. Ties are broken by a
 * power-of-two-choices pick, so event loops that read the same counts at once do not all pile onto the same backend.
 * Three allocation-free passes over the candidates.
 */
final class LeastConnections implements LoadBalancingStrategy {

    @Override
    public Backend choose(RequestContext ctx) {
        Backend[] candidates = ctx.candidates();
        Backend best = null;
        double min = Double.MAX_VALUE;
        for (Backend b : candidates) {
            double load = load(b);
            if (load < min && !ctx.excluded(b)) {
                min = load;
                best = b;
            }
        }
        if (best == null) {
            return null;
        }
        int ties = 0;
        for (Backend b : candidates) {
            if (nearTie(b, min) && !ctx.excluded(b)) {
                ties++;
            }
        }
        if (ties < 2) {
            return best;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int first = random.nextInt(ties);
        int second = random.nextInt(ties - 1);
        if (second >= first) {
            second++;
        }
        Backend x = nthTie(ctx, candidates, min, first);
        Backend y = nthTie(ctx, candidates, min, second);
        if (x == null || y == null) {
            // Counts moved under us (other event loops); the first pass's answer is still a good one.
            return best;
        }
        return load(y) < load(x) ? y : x;
    }

    private static double load(Backend b) {
        return b.inFlight() / b.effectiveWeight();
    }

    /**
     * Within less than one request of the minimum at this backend's weight: with unequal weights, loads such as 1/3
     * and 1/2 are as equal as whole requests allow.
     */
    private static boolean nearTie(Backend b, double min) {
        return b.inFlight() < min * b.effectiveWeight() + 1;
    }

    private static Backend nthTie(RequestContext ctx, Backend[] candidates, double min, int n) {
        int seen = 0;
        for (Backend b : candidates) {
            if (nearTie(b, min) && !ctx.excluded(b) && seen++ == n) {
                return b;
            }
        }
        return null;
    }
}
