package io.stickylb.strategy;

import io.stickylb.backend.Backend;
import io.stickylb.backend.PoolSnapshot;
import io.stickylb.routing.RequestContext;
import java.util.concurrent.atomic.AtomicLong;

/**
 * nginx's smooth weighted round robin: weights 5,1,1 give a,a,b,a,c,a,a (interleaved, not in bursts). The sequence
 * for a snapshot is computed once and then walked with one atomic counter, so choosing is lock-free and
 * allocation-free from any number of event loops.
 */
final class SmoothWeightedRoundRobin implements LoadBalancingStrategy {

    /** Beyond this many slots the schedule would cost too much memory; weights are scaled down to fit. */
    static final int MAX_SCHEDULE = 1 << 16;

    private final AtomicLong position = new AtomicLong();
    private volatile Schedule schedule;

    @Override
    public Backend choose(RequestContext ctx) {
        Backend[] candidates = ctx.candidates();
        if (candidates.length == 0) {
            return null;
        }
        Schedule s = scheduleFor(ctx.snapshot(), candidates);
        Backend[] order = s.order;
        // Retries exclude the backend that just failed; walk on until one is allowed (bounded by the order length).
        for (int i = 0; i < order.length; i++) {
            Backend b = order[(int) Math.floorMod(position.getAndIncrement(), (long) order.length)];
            if (!ctx.excluded(b)) {
                return b;
            }
        }
        return null;
    }

    private Schedule scheduleFor(PoolSnapshot snapshot, Backend[] candidates) {
        Schedule s = schedule;
        if (s == null || s.snapshotVersion != snapshot.version() || s.candidates != candidates) {
            s = new Schedule(snapshot.version(), candidates, build(candidates));
            schedule = s;
        }
        return s;
    }

    private static final int UNITS_PER_WEIGHT = 10;

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    /** The nginx algorithm, run once over a whole cycle of total-weight picks. */
    static Backend[] build(Backend[] candidates) {
        int n = candidates.length;
        int[] weights = new int[n];
        long total = 0;
        int gcd = 0;
        for (int i = 0; i < n; i++) {
            // Tenths of a weight, so a slow-starting backend at weight 1 gets 1/10 of a share, not a whole one.
            weights[i] = (int) Math.max(1, Math.round(candidates[i].effectiveWeight() * UNITS_PER_WEIGHT));
            gcd = gcd(gcd, weights[i]);
        }
        for (int i = 0; i < n; i++) {
            weights[i] /= gcd; // unscaled weights 5,1,1 stay a 7-slot cycle
            total += weights[i];
        }
        if (total > MAX_SCHEDULE) {
            double scale = (double) MAX_SCHEDULE / total;
            total = 0;
            for (int i = 0; i < n; i++) {
                weights[i] = Math.max(1, (int) (weights[i] * scale));
                total += weights[i];
            }
        }
        Backend[] order = new Backend[(int) total];
        long[] current = new long[n];
        for (int slot = 0; slot < order.length; slot++) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                current[i] += weights[i];
                if (best < 0 || current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            order[slot] = candidates[best];
        }
        return order;
    }

    private record Schedule(long snapshotVersion, Backend[] candidates, Backend[] order) {
    }
}
