package io.stickylb.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.routing.RequestContext;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LeastConnectionsTest {

    private static BackendPool pool(int... weights) {
        BackendPool pool = new BackendPool(IpHashTest.config("least-connections", null, 0, weights));
        assertThat(pool.strategy()).isInstanceOf(LeastConnections.class);
        return pool;
    }

    private static RequestContext ctx(BackendPool pool) {
        return new RequestContext(pool, null, InetAddress.getLoopbackAddress());
    }

    private static void load(BackendPool pool, String id, int requests) {
        Backend b = pool.snapshot().find(id);
        for (int i = 0; i < requests; i++) {
            b.requestStarted();
        }
    }

    @Test
    void theLeastLoadedBackendIsChosen() {
        BackendPool pool = pool(1, 1, 1);
        load(pool, "b1", 5);
        load(pool, "b3", 3);
        for (int i = 0; i < 50; i++) {
            assertThat(pool.strategy().choose(ctx(pool)).id()).isEqualTo("b2");
        }
    }

    @Test
    void loadIsMeasuredAgainstWeight() {
        BackendPool pool = pool(1, 4);
        load(pool, "b1", 2);
        load(pool, "b2", 6);
        // 6/4 < 2/1: the heavier backend is the less loaded one.
        assertThat(pool.strategy().choose(ctx(pool)).id()).isEqualTo("b2");
    }

    @Test
    void inFlightRequestsSettleInProportionToWeights() {
        BackendPool pool = pool(1, 2, 3);
        for (int i = 0; i < 600; i++) {
            pool.strategy().choose(ctx(pool)).requestStarted();
        }
        assertThat(pool.snapshot().find("b1").inFlight()).isBetween(99, 101);
        assertThat(pool.snapshot().find("b2").inFlight()).isBetween(199, 201);
        assertThat(pool.snapshot().find("b3").inFlight()).isBetween(299, 301);
    }

    @Test
    void tiesAreSpreadAtRandomRatherThanAlwaysToTheFirst() {
        BackendPool pool = pool(1, 1, 1, 1);
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 4000; i++) {
            counts.merge(pool.strategy().choose(ctx(pool)).id(), 1, Integer::sum);
        }
        assertThat(counts).hasSize(4);
        assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(800, 1200));
    }

    @Test
    void excludedBackendsAreSkippedEvenWhenLeastLoaded() {
        BackendPool pool = pool(1, 1);
        load(pool, "b2", 10);
        RequestContext ctx = ctx(pool);
        ctx.exclude(pool.snapshot().find("b1"));
        assertThat(pool.strategy().choose(ctx).id()).isEqualTo("b2");
        ctx.exclude(pool.snapshot().find("b2"));
        assertThat(pool.strategy().choose(ctx)).isNull();
    }

    @Test
    void excludedTiesAreNeverPicked() {
        BackendPool pool = pool(1, 1, 1);
        RequestContext ctx = ctx(pool);
        ctx.exclude(pool.snapshot().find("b2"));
        for (int i = 0; i < 200; i++) {
            assertThat(pool.strategy().choose(ctx).id()).isNotEqualTo("b2");
        }
    }
}
