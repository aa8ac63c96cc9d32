package io.stickylb.strategy;

import io.stickylb.backend.Backend;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Weighted Maglev lookup table (Eisenbud et al., NSDI 2016, section 3.4): every backend walks its own permutation of
 * the table, taking turns in proportion to its weight, so lookups are one array read and removing a backend moves
 * little more than its own keys.
 */
final class MaglevTable implements KeyTable {

    /** Primes from the paper's 65537 upwards; a prime size makes every skip a full permutation. */
    static final int[] SIZES = {65537, 131071, 262147, 524287, 1048573};

    /** Entries the lightest backend should own: with 100, table rounding costs it at most about 1% of its share. */
    static final int MIN_ENTRIES_PER_BACKEND = 100;

    // Two independent hashes of the backend id give the permutation's offset and skip.
    private static final long OFFSET_SEED = 0x6f66667365744c42L;
    private static final long SKIP_SEED = 0x736b69704c42L;

    private final Backend[] entries;

    /**
     * Builds the table over {@code backends} with {@code size} entries (a prime). Permutations and turn order come
     * from backend ids only, never from positions or addresses, so any instance with the same ids builds the same
     * table.
     */
    MaglevTable(Backend[] backends, int size) {
        this.entries = backends.length == 0 ? new Backend[0] : fill(backends, size);
    }

    /** The smallest listed prime giving the lightest configured backend at least 100 entries (capped at ~1M). */
    static int sizeFor(Backend[] universe) {
        long total = 0;
        int lightest = Integer.MAX_VALUE;
        for (Backend b : universe) {
            total += b.configuredWeight();
            lightest = Math.min(lightest, b.configuredWeight());
        }
        long needed = universe.length == 0 ? 0 : MIN_ENTRIES_PER_BACKEND * ((total + lightest - 1) / lightest);
        for (int size : SIZES) {
            if (size >= needed) {
                return size;
            }
        }
        return SIZES[SIZES.length - 1];
    }

    private static Backend[] fill(Backend[] backends, int size) {
        Backend[] sorted = backends.clone();
        Arrays.sort(sorted, Comparator.comparing(Backend::id));
        int n = sorted.length;
        int[] next = new int[n];
        int[] skip = new int[n];
        long[] weight = new long[n];
        long[] due = new long[n];
        long heaviest = 1;
        for (int i = 0; i < n; i++) {
            next[i] = (int) Long.remainderUnsigned(KeyHash.of(sorted[i].id(), OFFSET_SEED), size);
            skip[i] = (int) Long.remainderUnsigned(KeyHash.of(sorted[i].id(), SKIP_SEED), size - 1) + 1;
            weight[i] = sorted[i].weight();
            heaviest = Math.max(heaviest, weight[i]);
        }
        Backend[] table = new Backend[size];
        int filled = 0;
        // As Envoy's weighted Maglev: the heaviest backend takes a turn every round, one of weight w every
        // heaviest/w rounds, so entry counts end up proportional to weight.
        for (long round = 1; filled < size; round++) {
            for (int i = 0; i < n && filled < size; i++) {
                if (round * weight[i] < due[i]) {
                    continue;
                }
                due[i] += heaviest;
                int c = next[i];
                while (table[c] != null) {
                    c = advance(c, skip[i], size);
                }
                table[c] = sorted[i];
                next[i] = advance(c, skip[i], size);
                filled++;
            }
        }
        return table;
    }

    private static int advance(int c, int skip, int size) {
        int n = c + skip;
        return n >= size ? n - size : n;
    }

    @Override
    public int size() {
        return entries.length;
    }

    @Override
    public int position(long keyHash) {
        return (int) Long.remainderUnsigned(keyHash, entries.length);
    }

    @Override
    public Backend at(int position) {
        return entries[position % entries.length];
    }

    /** How many entries each backend owns, for tests and the lab. */
    int entriesOf(Backend backend) {
        int count = 0;
        for (Backend b : entries) {
            if (b == backend) {
                count++;
            }
        }
        return count;
    }
}
