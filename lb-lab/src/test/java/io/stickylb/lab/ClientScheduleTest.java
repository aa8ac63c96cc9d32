package io.stickylb.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ClientScheduleTest {

    private static ClientSpec clients(ClientSpec.RateDistribution dist, int count) {
        return new ClientSpec(count, dist, 1.1, 1000, Duration.ZERO, 1.0, 0, ClientSpec.AddressSource.FORWARDED,
                ClientSpec.LoadModel.OPEN, 16, 1);
    }

    private static int[] draws(ClientSpec spec, long seed, int n, long[] times) {
        ClientSchedule schedule = new ClientSchedule(spec, seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            schedule.advance();
            ids[i] = schedule.client();
            if (times != null) {
                times[i] = schedule.atNanos();
            }
        }
        return ids;
    }

    @Test
    void theSameSeedGivesTheSameSequenceOfClientsAndTimes() {
        ClientSpec spec = clients(ClientSpec.RateDistribution.ZIPF, 2000);
        long[] t1 = new long[50_000];
        long[] t2 = new long[50_000];
        assertThat(draws(spec, 42, 50_000, t1)).isEqualTo(draws(spec, 42, 50_000, t2));
        assertThat(t1).isEqualTo(t2);
        assertThat(draws(spec, 43, 50_000, null)).isNotEqualTo(draws(spec, 42, 50_000, null));
    }

    @Test
    void recordedSequenceStaysTheSameAcrossVersions() {
        // A change here changes every published experiment result: do it on purpose only.
        assertThat(draws(clients(ClientSpec.RateDistribution.ZIPF, 2000), 42, 12, null))
                .containsExactly(RECORDED_ZIPF);
        assertThat(draws(clients(ClientSpec.RateDistribution.UNIFORM, 2000), 42, 12, null))
                .containsExactly(RECORDED_UNIFORM);
    }

    private static final int[] RECORDED_ZIPF = {398, 656, 431, 1298, 1821, 196, 1499, 656, 1256, 1768, 291, 656};
    private static final int[] RECORDED_UNIFORM = {781, 1228, 1138, 379, 1460, 327, 1781, 1091, 330, 585, 928, 820};

    @Test
    void zipfMakesAFewClientsHeavyAndUniformDoesNot() {
        int n = 200_000;
        int[] zipf = counts(draws(clients(ClientSpec.RateDistribution.ZIPF, 1000), 1, n, null), 1000);
        int[] uniform = counts(draws(clients(ClientSpec.RateDistribution.UNIFORM, 1000), 1, n, null), 1000);
        // Zipf s=1.1 over 1000 clients: the top client sends ~1/H(1000,1.1) ≈ 16% of requests.
        assertThat(max(zipf) / (double) n).isBetween(0.13, 0.20);
        assertThat(max(uniform) / (double) n).isLessThan(0.0015);
    }

    @Test
    void heavyClientsAreSpreadOverTheIdRange() {
        int[] zipf = counts(draws(clients(ClientSpec.RateDistribution.ZIPF, 10_000), 5, 100_000, null), 10_000);
        int heaviest = 0;
        for (int c = 1; c < zipf.length; c++) {
            if (zipf[c] > zipf[heaviest]) {
                heaviest = c;
            }
        }
        // Ranks are shuffled with the seed, so rank 1 is not client 0 (and NAT groups of neighbours are not all heavy).
        assertThat(heaviest).isNotZero();
    }

    @Test
    void arrivalsFollowTheTotalRate() {
        long[] times = new long[10_000];
        draws(clients(ClientSpec.RateDistribution.UNIFORM, 100), 9, 10_000, times);
        // 10,000 arrivals at 1000/s take about 10 s.
        assertThat(times[9_999] / 1e9).isBetween(9.6, 10.4);
        assertThat(Arrays.stream(times).allMatch(t -> t >= 0)).isTrue();
    }

    private static int[] counts(int[] ids, int clients) {
        int[] c = new int[clients];
        for (int id : ids) {
            c[id]++;
        }
        return c;
    }

    private static int max(int[] a) {
        return Arrays.stream(a).max().orElse(0);
    }
}
