package io.stickylb.warmup;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the collection after the warm-up leaves: nothing in the young generation's survivor space. */
class HeapSettlerTest {

    /** Kept reachable across collections, as start-up's long-lived objects are. */
    private static final List<byte[]> LONG_LIVED = new ArrayList<>();

    @Test
    void longLivedObjectsLeaveTheSurvivorSpace() {
        for (int i = 0; i < 256; i++) {
            LONG_LIVED.add(new byte[4096]);
        }
        // Allocate until a young collection has run, so the long-lived objects sit in a survivor space (or, with a
        // tiny young generation, already in the old one).
        long before = youngCollections();
        byte[] sink = null;
        for (int i = 0; i < 2_000_000 && youngCollections() == before; i++) {
            sink = new byte[1024];
        }
        assertThat(sink).isNotNull();

        Optional<Duration> took = HeapSettler.settle();

        assertThat(took).as("a full collection ran").isPresent();
        assertThat(survivorBytes()).as("survivor space after settling").isZero();
        assertThat(LONG_LIVED).hasSize(256);
    }

    private static long youngCollections() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionCount());
        }
        return n;
    }

    private static long survivorBytes() {
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getName().contains("Survivor")) {
                used += pool.getUsage().getUsed();
            }
        }
        return used;
    }
}
