package io.stickylb.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.backend.BackendState;
import io.stickylb.config.BackendConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.config.PoolConfig;
import io.stickylb.routing.RequestContext;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SmoothWeightedRoundRobinTest {

    private static BackendPool pool(int... weights) {
        List<BackendConfig> backends = IntStream.range(0, weights.length)
                .mapToObj(i -> new BackendConfig(String.valueOf((char) ('a' + i)), new Endpoint("127.0.0.1", 9000 + i),
                        weights[i]))
                .toList();
        return new BackendPool(PoolConfig.of("p", "round-robin", backends));
    }

    private static String pick(BackendPool pool, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            Backend b = pool.strategy().choose(new RequestContext(pool, null, InetAddress.getLoopbackAddress()));
            sb.append(b.id());
        }
        return sb.toString();
    }

    @Test
    void weightsFiveOneOneInterleaveAsNginxDoes() {
        assertThat(pick(pool(5, 1, 1), 14)).isEqualTo("aabacaa" + "aabacaa");
    }

    @Test
    void equalWeightsRotate() {
        assertThat(pick(pool(1, 1, 1), 6)).isEqualTo("abcabc");
    }

    @Test
    void sharesFollowWeightsExactlyOverWholeCycles() {
        BackendPool p = pool(3, 2, 1);
        Map<Character, Long> counts = pick(p, 600).chars().mapToObj(c -> (char) c)
                .collect(Collectors.groupingBy(c -> c, HashMap::new, Collectors.counting()));
        assertThat(counts).containsEntry('a', 300L).containsEntry('b', 200L).containsEntry('c', 100L);
    }

    @Test
    void aSlowStartingBackendAtTheDefaultWeightGetsItsFractionOfAShare() {
        BackendPool p = pool(1, 1);
        p.backend("a").orElseThrow().weightScale(0.1);
        p.republish();
        Map<Character, Long> counts = pick(p, 110).chars().mapToObj(c -> (char) c)
                .collect(Collectors.groupingBy(c -> c, HashMap::new, Collectors.counting()));
        assertThat(counts).containsEntry('a', 10L).containsEntry('b', 100L);

        p.backend("a").orElseThrow().weightScale(1.0);
        p.republish();
        assertThat(pick(p, 4)).isIn("abab", "baba");
    }

    @Test
    void unavailableBackendsAreSkippedAndTheScheduleIsRebuilt() {
        BackendPool p = pool(1, 1, 1);
        p.setState("b", BackendState.DOWN, "test");
        assertThat(pick(p, 4)).doesNotContain("b").hasSize(4);
        p.setState("b", BackendState.UP, "test");
        assertThat(pick(p, 3).chars().distinct().count()).isEqualTo(3);
    }

    @Test
    void excludedBackendsAreNotChosenAgain() {
        BackendPool p = pool(1, 1);
        RequestContext ctx = new RequestContext(p, null, InetAddress.getLoopbackAddress());
        ctx.exclude(p.snapshot().find("a"));
        for (int i = 0; i < 5; i++) {
            assertThat(p.strategy().choose(ctx).id()).isEqualTo("b");
        }
        ctx.exclude(p.snapshot().find("b"));
        assertThat(p.strategy().choose(ctx)).isNull();
    }
}
