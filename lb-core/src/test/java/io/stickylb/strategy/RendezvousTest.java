package io.stickylb.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RendezvousTest {

    private static final String[] IDS = {"a", "b", "c"};

    private static int best(long key, int[] weights, int skip) {
        int best = -1;
        double score = -1;
        for (int i = 0; i < IDS.length; i++) {
            if (i == skip) {
                continue;
            }
            double s = Rendezvous.score(key, IDS[i], weights[i]);
            if (s > score) {
                score = s;
                best = i;
            }
        }
        return best;
    }

    @Test
    void sharesFollowWeights() {
        int[] weights = {1, 2, 3};
        int[] counts = new int[3];
        SplittableRandom r = new SplittableRandom(7);
        int n = 60_000;
        for (int i = 0; i < n; i++) {
            counts[best(r.nextLong(), weights, -1)]++;
        }
        assertThat(counts[0]).isCloseTo(n / 6, org.assertj.core.data.Percentage.withPercentage(5));
        assertThat(counts[1]).isCloseTo(n / 3, org.assertj.core.data.Percentage.withPercentage(5));
        assertThat(counts[2]).isCloseTo(n / 2, org.assertj.core.data.Percentage.withPercentage(5));
    }

    @Test
    void removingOneBackendMovesOnlyItsClients() {
        int[] weights = {1, 1, 1};
        SplittableRandom r = new SplittableRandom(9);
        for (int i = 0; i < 10_000; i++) {
            long key = r.nextLong();
            int before = best(key, weights, -1);
            int after = best(key, weights, 1);
            if (before != 1) {
                assertThat(after).isEqualTo(before);
            }
        }
    }

    @Test
    void scoresArePositiveAndFinite() {
        for (long key : new long[] {0, -1, Long.MIN_VALUE, Long.MAX_VALUE}) {
            for (String id : IDS) {
                double s = Rendezvous.score(key, id, 1000);
                assertThat(s).isPositive().isFinite();
            }
        }
    }
}
