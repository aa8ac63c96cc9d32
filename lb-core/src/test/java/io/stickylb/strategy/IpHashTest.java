package io.stickylb.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.backend.BackendState;
import io.stickylb.config.BackendConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.config.PoolConfig;
import io.stickylb.routing.AffinityOutcome;
import io.stickylb.routing.RequestContext;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IpHashTest {

    private static final int CLIENTS = 2000;

    static PoolConfig config(String strategy, String hash, double balanceFactor, int... weights) {
        List<BackendConfig> backends = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            backends.add(new BackendConfig("b" + (i + 1), new Endpoint("127.0.0.1", 9001 + i), weights[i]));
        }
        return new PoolConfig("app", strategy, backends, null, hash, balanceFactor, "X-User", "sid", null, null,
                null, null, true, null, null, null);
    }

    static BackendPool pool(String hash, int backends) {
        int[] weights = new int[backends];
        java.util.Arrays.fill(weights, 1);
        return new BackendPool(config("ip-hash", hash, 0, weights));
    }

    static InetAddress client(int i) {
        try {
            return InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static RequestContext request(BackendPool pool, InetAddress client) {
        return new RequestContext(pool, null, client);
    }

    private static String[] homes(BackendPool pool) {
        String[] homes = new String[CLIENTS];
        for (int i = 0; i < CLIENTS; i++) {
            homes[i] = pool.strategy().choose(request(pool, client(i))).id();
        }
        return homes;
    }

    @ParameterizedTest
    @ValueSource(strings = {"maglev", "ring", "modulo"})
    void theSameAddressGoesToTheSameBackendOnIndependentlyBuiltPools(String hash) {
        BackendPool one = pool(hash, 4);
        BackendPool other = pool(hash, 4);
        assertThat(one.strategy()).isInstanceOf(IpHash.class);
        assertThat(homes(other)).containsExactly(homes(one));
        assertThat(new HashSet<>(List.of(homes(one)))).hasSize(4);
    }

    @ParameterizedTest
    @ValueSource(strings = {"maglev", "ring", "modulo"})
    void aDownBackendsClientsSpreadOverTheSurvivorsAsBrokenDownWhileOthersStayHits(String hash) {
        BackendPool pool = pool(hash, 4);
        String[] homes = homes(pool);
        pool.setState("b2", BackendState.DOWN, "test");
        Set<String> newHomes = new HashSet<>();
        for (int i = 0; i < CLIENTS; i++) {
            RequestContext ctx = request(pool, client(i));
            Backend b = pool.strategy().choose(ctx);
            if (homes[i].equals("b2")) {
                assertThat(b.id()).isNotEqualTo("b2");
                assertThat(ctx.affinity()).isEqualTo(AffinityOutcome.BROKEN_DOWN);
                newHomes.add(b.id());
            } else {
                assertThat(b.id()).isEqualTo(homes[i]);
                assertThat(ctx.affinity()).isEqualTo(AffinityOutcome.HIT);
            }
        }
        assertThat(newHomes).containsExactlyInAnyOrder("b1", "b3", "b4");
        pool.setState("b2", BackendState.UP, "test");
        assertThat(homes(pool)).containsExactly(homes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"maglev", "ring", "modulo"})
    void onUnavailableFailAnswersNobodyForClientsOfADownBackendAndCountsTheBreakThere(String hash) {
        PoolConfig c = config("ip-hash", hash, 0, 1, 1, 1);
        c = new PoolConfig(c.name(), c.strategy(), c.backends(), c.timeouts(), c.hash(), c.balanceFactor(),
                c.hashHeader(), c.hashCookie(), c.affinity(), c.fallback(), PoolConfig.OnUnavailable.FAIL,
                c.returnHome(), c.changeCookieOnFailure(), c.retry(), c.slowStart(), c.health());
        BackendPool pool = new BackendPool(c);
        pool.setState("b2", BackendState.DOWN, "test");
        int failed = 0;
        int served = 0;
        for (int i = 0; i < CLIENTS; i++) {
            RequestContext ctx = new RequestContext(pool, null, client(i));
            Backend b = pool.strategy().choose(ctx);
            if (b == null) {
                failed++;
                assertThat(ctx.affinity()).isEqualTo(AffinityOutcome.BROKEN_DOWN);
                assertThat(ctx.affinityHome().id()).isEqualTo("b2");
            } else {
                served++;
                assertThat(b.id()).isNotEqualTo("b2");
                assertThat(ctx.affinity()).isEqualTo(AffinityOutcome.HIT);
            }
        }
        assertThat(failed).as("b2's third of the clients").isBetween(CLIENTS / 3 - 200, CLIENTS / 3 + 200);
        assertThat(served + failed).isEqualTo(CLIENTS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"maglev", "ring", "modulo"})
    void theRetryAfterAFailedConnectGoesWhereTheClientGoesOnceItsHomeIsMarkedDown(String hash) {
        // Otherwise an orphan loses its session twice: once on the retry, again when the home is marked down.
        BackendPool pool = pool(hash, 4);
        String[] homes = homes(pool);
        String[] retries = new String[CLIENTS];
        for (int i = 0; i < CLIENTS; i++) {
            if (homes[i].equals("b1")) {
                RequestContext ctx = request(pool, client(i));
                ctx.exclude(pool.strategy().choose(ctx));
                retries[i] = pool.strategy().choose(ctx).id();
            }
        }
        pool.setState("b1", BackendState.DOWN, "test");
        int orphans = 0;
        for (int i = 0; i < CLIENTS; i++) {
            if (homes[i].equals("b1")) {
                orphans++;
                assertThat(pool.strategy().choose(request(pool, client(i))).id()).as("client %d", i)
                        .isEqualTo(retries[i]);
            }
        }
        assertThat(orphans).isGreaterThan(CLIENTS / 8);
        Set<String> successors = new HashSet<>();
        for (String r : retries) {
            if (r != null) {
                successors.add(r);
            }
        }
        assertThat(successors).containsExactlyInAnyOrder("b2", "b3", "b4");
    }

    @Test
    void aDrainingBackendsClientsMoveAsBrokenDraining() {
        BackendPool pool = pool("maglev", 4);
        String[] homes = homes(pool);
        pool.setState("b3", BackendState.DRAINING, "test");
        for (int i = 0; i < CLIENTS; i++) {
            RequestContext ctx = request(pool, client(i));
            Backend b = pool.strategy().choose(ctx);
            if (homes[i].equals("b3")) {
                assertThat(b.id()).isNotEqualTo("b3");
                assertThat(ctx.affinity()).isEqualTo(AffinityOutcome.BROKEN_DRAINING);
            } else {
                assertThat(b.id()).isEqualTo(homes[i]);
            }
        }
    }

    @Test
    void aBackendInMaintenanceLeavesTheHomeTableSoOnlyItsClientsGetNewHomes() {
        BackendPool pool = pool("maglev", 4);
        String[] homes = homes(pool);
        pool.setState("b4", BackendState.MAINTENANCE, "test");
        String[] now = homes(pool);
        int othersMoved = 0;
        for (int i = 0; i < CLIENTS; i++) {
            assertThat(now[i]).isNotEqualTo("b4");
            if (!homes[i].equals("b4") && !homes[i].equals(now[i])) {
                othersMoved++;
            }
        }
        assertThat(othersMoved).isLessThanOrEqualTo(CLIENTS / 100);
    }

    @Test
    void anExcludedHomeIsNotChosenAndCountsAsAConnectFailure() {
        BackendPool pool = pool("maglev", 3);
        for (int i = 0; i < 200; i++) {
            RequestContext ctx = request(pool, client(i));
            Backend home = pool.strategy().choose(ctx);
            ctx.exclude(home);
            Backend retry = pool.strategy().choose(ctx);
            assertThat(retry).isNotNull().isNotSameAs(home);
            assertThat(ctx.affinity()).isEqualTo(AffinityOutcome.BROKEN_CONNECT_FAILED);
            ctx.exclude(retry);
            Backend last = pool.strategy().choose(ctx);
            assertThat(last).isNotNull().isNotSameAs(home).isNotSameAs(retry);
            ctx.exclude(last);
            assertThat(pool.strategy().choose(ctx)).isNull();
        }
    }

    @Test
    void ipv6ClientsAreHashedToo() throws Exception {
        BackendPool pool = pool("maglev", 4);
        InetAddress v6 = InetAddress.getByName("2001:db8::42");
        RequestContext ctx = request(pool, v6);
        Backend b = pool.strategy().choose(ctx);
        assertThat(ctx.affinity()).isEqualTo(AffinityOutcome.HIT);
        assertThat(pool(("maglev"), 4).strategy().choose(request(pool, v6)).id()).isEqualTo(b.id());
    }

    @Test
    void noBackendToServeGivesNull() {
        BackendPool pool = pool("maglev", 2);
        pool.setState("b1", BackendState.MAINTENANCE, "test");
        pool.setState("b2", BackendState.MAINTENANCE, "test");
        assertThat(pool.strategy().choose(request(pool, client(1)))).isNull();
    }

    @Test
    void anUnknownHashOrFallbackFailsWhenThePoolIsBuilt() {
        assertThatThrownBy(() -> new BackendPool(config("ip-hash", "crc32", 0, 1, 1)))
                .hasMessageContaining("hash: 'crc32'");
        PoolConfig badFallback = new PoolConfig("app", "ip-hash", config("ip-hash", null, 0, 1).backends(), null,
                null, 0, null, null, null, "random", null, null, true, null, null, null);
        assertThatThrownBy(() -> new BackendPool(badFallback))
                .hasMessage("fallback: 'random' (expected: round-robin|least-connections)");
    }
}
