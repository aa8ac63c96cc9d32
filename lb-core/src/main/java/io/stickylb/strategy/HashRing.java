package io.stickylb.strategy;

import io.stickylb.backend.Backend;
import java.util.Arrays;
import java.util.Comparator;

/**
 * A consistent hash ring (Karger et al. 1997, as ketama): each backend owns {@code pointsPerWeight × weight} points
 * at {@code hash(id + "#" + i)}, and a key goes to the first point at or after its hash. Removing a backend moves
 * exactly its own keys; a lookup is one binary search. Shares stray from weights by about 1/sqrt(points).
 */
final class HashRing implements KeyTable {

    /**
     * Points per unit of weight. Ketama's 160 leaves shares up to ~20% off their weights with 10 backends; 1000 keeps
     * them within about 2 percentage points (measured in KeyTableTest) for a few milliseconds of build time.
     */
    static final int POINTS_PER_WEIGHT = 1000;

    /**
     * Caps memory (12 bytes a point) and rebuild time (tens of ms on an event loop) for pools of large total weight.
     */
    static final int MAX_POINTS = 1 << 18;

    private final long[] points;
    private final Backend[] owners;

    HashRing(Backend[] backends, int pointsPerWeight) {
        long weight = 0;
        for (Backend b : backends) {
            weight += b.weight();
        }
        // pointsPerWeight comes from configured weights; a runtime weight (admin API, up to 1000 on a backend
        // configured at 1) must not take the ring past the cap. Only then do points per weight drop, and each
        // backend keeps the head of its point list, so the keys that move are those of the dropped tail points.
        int perWeight = (int) Math.max(1, Math.min(pointsPerWeight, MAX_POINTS / Math.max(1, weight)));
        int count = (int) (perWeight * weight);
        Point[] ring = new Point[count];
        int k = 0;
        StringBuilder name = new StringBuilder();
        for (Backend b : backends) {
            name.setLength(0);
            name.append(b.id()).append('#');
            int prefix = name.length();
            // A backend's i-th point depends on its id and i only, so a weight change adds or removes its own tail
            // points and nobody else's keys move.
            for (int i = 0; i < perWeight * b.weight(); i++) {
                name.setLength(prefix);
                ring[k++] = new Point(KeyHash.of(name.append(i)), b);
            }
        }
        // Ids break the (astronomically rare) tie of two equal points, so every instance sorts alike.
        Arrays.sort(ring, Comparator.comparingLong(Point::hash).thenComparing(p -> p.owner().id()));
        points = new long[count];
        owners = new Backend[count];
        for (int i = 0; i < count; i++) {
            points[i] = ring[i].hash();
            owners[i] = ring[i].owner();
        }
    }

    /** Points per unit of weight: 1000, fewer when the configured total weight would exceed the cap. */
    static int pointsPerWeight(Backend[] universe) {
        long total = 0;
        for (Backend b : universe) {
            total += b.configuredWeight();
        }
        return (int) Math.max(1, Math.min(POINTS_PER_WEIGHT, MAX_POINTS / Math.max(1, total)));
    }

    @Override
    public int size() {
        return points.length;
    }

    @Override
    public int position(long keyHash) {
        // Signed order on both sides: the ring only needs one consistent total order of the 64-bit values.
        int i = Arrays.binarySearch(points, keyHash);
        if (i < 0) {
            i = -i - 1;
        }
        return i == points.length ? 0 : i;
    }

    @Override
    public Backend at(int position) {
        return owners[position % owners.length];
    }

    private record Point(long hash, Backend owner) {
    }
}
