package io.stickylb.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.config.AffinityConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.routing.AffinityOutcome;
import io.stickylb.routing.RequestContext;
import java.net.InetAddress;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BoundedLoadTest {

    private static final int REQUESTS = 1000;

    /** 1000 requests that never finish, 80% of them from 5 hot clients; returns the in-flight count per backend. */
    private static int[] skewedLoad(BackendPool pool) {
        for (int i = 0; i < REQUESTS; i++) {
            InetAddress client = i % 5 != 4 ? IpHashTest.client(i % 5) : IpHashTest.client(1000 + i);
            Backend b = pool.strategy().choose(new RequestContext(pool, null, client));
            b.requestStarted();
        }
        return pool.snapshot().all().length == 0 ? new int[0]
                : Arrays.stream(pool.snapshot().all()).mapToInt(Backend::inFlight).toArray();
    }

    @ParameterizedTest
    @ValueSource(strings = {"maglev", "ring", "modulo"})
    void hotKeysSpillOverSoNoBackendExceedsTheFactorTimesTheMean(String hash) {
        int[] inFlight = skewedLoad(new BackendPool(IpHashTest.config("ip-hash", hash, 1.25, 1, 1, 1, 1)));
        System.out.printf("%s bounded (1.25): in-flight %s%n", hash, Arrays.toString(inFlight));
        double mean = REQUESTS / 4.0;
        assertThat(Arrays.stream(inFlight).max().getAsInt()).isLessThanOrEqualTo((int) Math.ceil(1.25 * mean) + 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"maglev", "ring"})
    void withoutABalanceFactorHotKeysStayHomeAndOverloadIt(String hash) {
        int[] inFlight = skewedLoad(new BackendPool(IpHashTest.config("ip-hash", hash, 0, 1, 1, 1, 1)));
        System.out.printf("%s unbounded: in-flight %s%n", hash, Arrays.toString(inFlight));
        assertThat(Arrays.stream(inFlight).max().getAsInt()).isGreaterThan((int) Math.ceil(1.25 * REQUESTS / 4.0) + 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"maglev", "ring"})
    void capacityScalesWithWeight(String hash) {
        int[] weights = {1, 1, 2};
        int[] inFlight = skewedLoad(new BackendPool(IpHashTest.config("ip-hash", hash, 1.25, weights)));
        for (int i = 0; i < weights.length; i++) {
            double share = REQUESTS * weights[i] / 4.0;
            assertThat(inFlight[i]).isLessThanOrEqualTo((int) Math.ceil(1.25 * share) + 1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"maglev", "ring"})
    void keysUnderCapacityStayHomeAndSpilledOnesAreMarkedNew(String hash) {
        BackendPool pool = new BackendPool(IpHashTest.config("ip-hash", hash, 1.25, 1, 1, 1, 1));
        InetAddress hot = IpHashTest.client(7);
        RequestContext first = new RequestContext(pool, null, hot);
        Backend home = pool.strategy().choose(first);
        assertThat(first.affinity()).isEqualTo(AffinityOutcome.HIT);
        for (int i = 0; i < 10; i++) {
            home.requestStarted();
        }
        RequestContext spilled = new RequestContext(pool, null, hot);
        assertThat(pool.strategy().choose(spilled)).isNotSameAs(home);
        assertThat(spilled.affinity()).isEqualTo(AffinityOutcome.NEW);
    }

    /** A cookie pool of four, first assignments by round robin; balance-factor as given. */
    private static AffinityHarness cookiePool(double balanceFactor) {
        return new AffinityHarness(new PoolConfig("app", "cookie", AffinityHarness.backends(4), null, null,
                balanceFactor, null, null, AffinityHarness.affinity(AffinityConfig.Mode.INSERT), "round-robin", null,
                null, true, null, null, null));
    }

    @ParameterizedTest
    @ValueSource(doubles = {0, 1.25})
    void cookieAffinityBoundsOnlyFirstAssignmentsAPinnedClientStaysOnItsBusyBackend(double balanceFactor) {
        AffinityHarness h = cookiePool(balanceFactor);
        AffinityHarness.Client heavy = h.client();
        Backend busy = heavy.send().backend();
        for (int i = 0; i < 40; i++) {
            busy.requestStarted(); // the heavy user's requests in flight
        }
        AffinityHarness.Exchange again = heavy.send();
        assertThat(again.backend()).as("its session lives there").isSameAs(busy);
        assertThat(again.outcome()).isEqualTo(AffinityOutcome.HIT);

        int sentToBusy = 0;
        for (int i = 0; i < 30; i++) {
            AffinityHarness.Exchange first = h.client().send();
            assertThat(first.outcome()).isEqualTo(AffinityOutcome.NEW);
            first.backend().requestStarted();
            sentToBusy += first.backend() == busy ? 1 : 0;
        }
        // Round robin alone pins a quarter of the newcomers to the busy backend too; with the bound, none.
        if (balanceFactor > 0) {
            assertThat(sentToBusy).isZero();
        } else {
            assertThat(sentToBusy).isGreaterThanOrEqualTo(7);
        }
    }
}
