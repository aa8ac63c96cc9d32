package io.stickylb.strategy;

import io.stickylb.backend.Backend;
import java.util.function.Predicate;

/**
 * An immutable map from a key's 64-bit hash to a backend, built once per set of backends ({@code hash:} maglev, ring
 * or modulo). Positions expose the table's own order so bounded load and retries can walk on from a key's position
 * without allocating.
 */
interface KeyTable {

    /** The number of positions; 0 when the table has no backends. */
    int size();

    /** Where a key lands, in {@code [0, size())}; only meaningful when {@code size() > 0}. */
    int position(long keyHash);

    /** The backend at a position; positions past the end wrap around, so {@code at(position(h) + step)} walks on. */
    Backend at(int position);

    /** The key's backend, or null when the table is empty. */
    default Backend lookup(long keyHash) {
        return size() == 0 ? null : at(position(keyHash));
    }

    /**
     * The first backend {@code accept}ed in table order from the key's position, or null when none is within one
     * full turn of the table.
     */
    default Backend lookup(long keyHash, Predicate<? super Backend> accept) {
        int n = size();
        if (n == 0) {
            return null;
        }
        int start = position(keyHash);
        for (int step = 0; step < n; step++) {
            Backend b = at(start + step);
            if (accept.test(b)) {
                return b;
            }
        }
        return null;
    }

    /**
     * Builds a table of {@code kind} over {@code backends}. {@code universe} is every backend the pool is configured
     * with: sizes derive from it (and from configured, not runtime, weights), so health or weight changes never
     * resize a table, which would remap every key (the ring alone thins its points when runtime weights would
     * take it past its cap).
     */
    static KeyTable create(String kind, Backend[] backends, Backend[] universe) {
        return switch (kind) {
            case "maglev" -> new MaglevTable(backends, MaglevTable.sizeFor(universe));
            case "ring" -> new HashRing(backends, HashRing.pointsPerWeight(universe));
            case "modulo" -> new ModuloHash(backends);
            default -> throw new IllegalArgumentException("hash: '" + kind + "' (expected: maglev|ring|modulo)");
        };
    }
}
