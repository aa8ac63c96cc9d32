package io.stickylb.lab;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The seeded sequence of requests: which client sends the next request and when (an offset from the start of the
 * run). It is computed from the seed alone, never from timing, so the same scenario and seed give the same sequence
 * of clients on every machine. Arrivals form a Poisson process at the total rate; each picks a client uniformly or by
 * a Zipf law over clients ranked in a seeded random order (so heavy users are not all neighbours in address space).
 * Used by one thread.
 */
final class ClientSchedule {

    private final SplittableRandom random;
    private final double meanGapNanos;
    /** Cumulative Zipf weights by rank, normalised to 1; null for uniform. */
    private final double[] cdf;
    /** The client id of each rank. */
    private final int[] clientOfRank;
    private final int clients;
    private double atNanos;
    private int client = -1;

    ClientSchedule(ClientSpec spec, long seed) {
        SplittableRandom root = new SplittableRandom(seed);
        SplittableRandom ranking = root.split();
        this.random = root.split();
        this.clients = spec.count();
        this.meanGapNanos = 1e9 / spec.totalRps();
        if (spec.distribution() == ClientSpec.RateDistribution.ZIPF) {
            cdf = new double[clients];
            double sum = 0;
            for (int rank = 0; rank < clients; rank++) {
                sum += 1.0 / Math.pow(rank + 1, spec.zipfS());
                cdf[rank] = sum;
            }
            for (int rank = 0; rank < clients; rank++) {
                cdf[rank] /= sum;
            }
            clientOfRank = shuffled(clients, ranking);
        } else {
            cdf = null;
            clientOfRank = null;
        }
    }

    /** Moves to the next request; afterwards {@link #client()} and {@link #atNanos()} describe it. */
    void advance() {
        atNanos += -Math.log(1.0 - random.nextDouble()) * meanGapNanos;
        client = cdf == null ? random.nextInt(clients) : clientOfRank[rank(random.nextDouble())];
    }

    /** The client of the current request. */
    int client() {
        return client;
    }

    /** When the current request is due, in nanoseconds from the start of the run (open loop only). */
    long atNanos() {
        return (long) atNanos;
    }

    private int rank(double u) {
        int i = Arrays.binarySearch(cdf, u);
        int rank = i >= 0 ? i : -i - 1;
        return Math.min(rank, clients - 1);
    }

    private static int[] shuffled(int n, SplittableRandom random) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }
}
