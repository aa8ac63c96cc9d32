package io.stickylb.bench;

import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.config.BackendConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.config.PoolConfig;
import io.stickylb.routing.RequestContext;
import io.stickylb.strategy.LoadBalancingStrategy;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * The cost of one {@code choose()} per strategy over 8 weighted backends and 4096 IPv4 clients; run with
 * {@code -prof gc} to see the bytes allocated per choice (expected: 0). Request contexts are built in setup so only the
 * strategy is measured.
 */
public class StrategyBenchmark extends HotPathBenchmark {

    private static final int CLIENTS = 4096;

    /** A strategy name, or {@code ip-hash/<hash>} for the hashing strategy with that table. */
    @Param({"round-robin", "least-connections", "ip-hash/maglev", "ip-hash/ring", "ip-hash/modulo"})
    public String strategy;

    private LoadBalancingStrategy chooser;
    private RequestContext[] contexts;
    private int next;

    @Setup
    public void setUp() throws UnknownHostException {
        String[] parts = strategy.split("/");
        List<BackendConfig> backends = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            backends.add(new BackendConfig("b" + (i + 1), new Endpoint("10.0.0." + (i + 1), 8080), 1 + i % 3));
        }
        PoolConfig config = new PoolConfig("bench", parts[0], backends, null, parts.length > 1 ? parts[1] : null, 0,
                null, null, null, null, null, null, true, null, null, null);
        BackendPool pool = new BackendPool(config);
        // Uneven in-flight counts, so least-connections has a real minimum to find rather than an 8-way tie.
        Backend[] all = pool.snapshot().all();
        for (int i = 0; i < all.length; i++) {
            for (int k = 0; k < 3 + (i * 5) % 7; k++) {
                all[i].requestStarted();
            }
        }
        chooser = pool.strategy();
        contexts = new RequestContext[CLIENTS];
        for (int i = 0; i < CLIENTS; i++) {
            InetAddress client = InetAddress.getByAddress(new byte[] {10, 1, (byte) (i >> 8), (byte) i});
            contexts[i] = new RequestContext(pool, null, client);
        }
    }

    @Benchmark
    public Backend choose() {
        RequestContext ctx = contexts[next++ & (CLIENTS - 1)];
        return chooser.choose(ctx);
    }
}
