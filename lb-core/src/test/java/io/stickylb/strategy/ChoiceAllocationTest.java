package io.stickylb.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.backend.BackendPool;
import io.stickylb.routing.RequestContext;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChoiceAllocationTest {

    @ParameterizedTest
    @CsvSource({"round-robin,", "least-connections,", "ip-hash,maglev", "ip-hash,ring", "ip-hash,modulo"})
    void choosingABackendAllocatesNothing(String strategy, String hash) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        BackendPool pool = new BackendPool(IpHashTest.config(strategy, hash, 0, 1, 2, 3, 1));
        RequestContext[] contexts = new RequestContext[256];
        for (int i = 0; i < contexts.length; i++) {
            contexts[i] = new RequestContext(pool, null, IpHashTest.client(i));
        }
        LoadBalancingStrategy s = pool.strategy();
        for (int i = 0; i < 20_000; i++) {
            s.choose(contexts[i & 255]); // builds the tables and warms up
        }
        long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (int i = 0; i < 100_000; i++) {
            s.choose(contexts[i & 255]);
        }
        long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        // A few hundred bytes of slack for the measuring itself; one object per choice would be megabytes.
        assertThat(allocated).isLessThan(1024);
    }
}
