package io.stickylb.strategy;

import static io.stickylb.strategy.AffinityHarness.affinity;
import static io.stickylb.strategy.AffinityHarness.pool;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpRequest;
import io.stickylb.backend.BackendState;
import io.stickylb.config.AffinityConfig.Mode;
import io.stickylb.config.PoolConfig;
import io.stickylb.routing.AffinityOutcome;
import io.stickylb.routing.RequestContext;
import io.stickylb.strategy.AffinityHarness.Client;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The deterministic successor across instances: two strategies built independently from the same config and secret
 * send every orphan of a dead backend to the same survivor, spread the orphans evenly, and move nobody else.
 */
class SuccessorTest {

    private static final int CLIENTS = 3_000;

    @Test
    void orphansOfADeadBackendGoToTheSameSuccessorOnEveryInstanceAndSpreadEvenly() {
        PoolConfig config = pool(4, affinity(Mode.INSERT));
        AffinityHarness a = new AffinityHarness(config, new AffinityHarness.MutableClock(), 1);
        AffinityHarness b = new AffinityHarness(config, new AffinityHarness.MutableClock(), 2);

        List<Client> clients = new ArrayList<>();
        Map<Client, String> home = new HashMap<>();
        for (int i = 0; i < CLIENTS; i++) {
            // Half the cookies are issued by each instance.
            Client c = (i % 2 == 0 ? a : b).client();
            home.put(c, c.send().backendId());
            clients.add(c);
        }
        assertThat(home.values().stream().filter("b2"::equals).count()).isEqualTo(CLIENTS / 4);

        a.pool.setState("b2", BackendState.DOWN, "test");
        b.pool.setState("b2", BackendState.DOWN, "test");
        Map<String, Integer> orphansPerSuccessor = new HashMap<>();
        for (Client c : clients) {
            String onA = choose(a, c);
            String onB = choose(b, c);
            assertThat(onA).isEqualTo(onB);
            if (home.get(c).equals("b2")) {
                assertThat(onA).isNotEqualTo("b2");
                orphansPerSuccessor.merge(onA, 1, Integer::sum);
            } else {
                assertThat(onA).as("a client of a surviving backend never moves").isEqualTo(home.get(c));
            }
        }
        int orphans = CLIENTS / 4;
        assertThat(orphansPerSuccessor).containsOnlyKeys("b1", "b3", "b4");
        for (int n : orphansPerSuccessor.values()) {
            assertThat(n).isBetween((int) (orphans / 3 * 0.85), (int) Math.ceil(orphans / 3 * 1.15));
        }
    }

    @Test
    void theSuccessorOrderIsTheSameWhateverTheConfigOrderOfBackends() {
        PoolConfig config = pool(4, affinity(Mode.INSERT));
        List<io.stickylb.config.BackendConfig> reversed = new ArrayList<>(config.backends());
        java.util.Collections.reverse(reversed);
        AffinityHarness a = new AffinityHarness(config);
        AffinityHarness b = new AffinityHarness(config.withBackends(reversed));
        for (int i = 0; i < 300; i++) {
            Client c = a.client();
            String home = c.send().backendId();
            a.pool.setState(home, BackendState.DOWN, "test");
            b.pool.setState(home, BackendState.DOWN, "test");
            assertThat(choose(b, c)).isEqualTo(choose(a, c));
            a.pool.setState(home, BackendState.UP, "test");
            b.pool.setState(home, BackendState.UP, "test");
        }
    }

    /** The backend this instance picks for the client's next request, without changing the client's cookies. */
    private static String choose(AffinityHarness h, Client c) {
        HttpRequest request = c.request();
        RequestContext ctx = new RequestContext(h.pool, request, InetAddress.getLoopbackAddress());
        String id = h.strategy.choose(ctx).id();
        assertThat(ctx.affinity()).isIn(AffinityOutcome.HIT, AffinityOutcome.BROKEN_DOWN);
        return id;
    }
}
