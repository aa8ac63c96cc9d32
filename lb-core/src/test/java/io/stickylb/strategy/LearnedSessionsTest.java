package io.stickylb.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LearnedSessionsTest {

    private final AtomicLong millis = new AtomicLong(1_000_000);

    @Test
    void theLeastRecentlyUsedSessionIsEvictedFirst() {
        LearnedSessions t = new LearnedSessions(100, 0, millis::get);
        for (int i = 0; i < 100; i++) {
            t.put("s" + i, "b1");
        }
        for (int i = 0; i < 10; i++) {
            assertThat(t.get("s" + i)).isEqualTo("b1");
        }
        for (int i = 100; i < 110; i++) {
            t.put("s" + i, "b2");
        }
        assertThat(t.size()).isEqualTo(100);
        assertThat(t.evictions()).isEqualTo(10);
        for (int i = 0; i < 10; i++) {
            assertThat(t.get("s" + i)).as("recently read").isEqualTo("b1");
        }
        for (int i = 10; i < 20; i++) {
            assertThat(t.get("s" + i)).as("least recently used").isNull();
        }
    }

    @Test
    void aLargeTableNeverExceedsItsBoundAndFillsUp() {
        LearnedSessions t = new LearnedSessions(100_000, 0, millis::get);
        for (int i = 0; i < 300_000; i++) {
            t.put("session-" + i, "b" + (i % 4));
        }
        assertThat(t.size()).isEqualTo(100_000);
        assertThat(t.evictions()).isEqualTo(200_000);
        assertThat(t.get("session-299999")).isEqualTo("b3");
    }

    @Test
    void idleSessionsExpireAndUseKeepsThemAlive() {
        LearnedSessions t = new LearnedSessions(100, 60_000, millis::get);
        t.put("idle", "b1");
        t.put("busy", "b2");
        for (int i = 0; i < 5; i++) {
            millis.addAndGet(30_000);
            assertThat(t.get("busy")).isEqualTo("b2");
        }
        assertThat(t.get("idle")).isNull();
        assertThat(t.expirations()).isEqualTo(1);
        assertThat(t.size()).isEqualTo(1);
    }

    @Test
    void reLearningMovesASession() {
        LearnedSessions t = new LearnedSessions(10, 0, millis::get);
        t.put("s", "b1");
        t.put("s", "b2");
        assertThat(t.get("s")).isEqualTo("b2");
        assertThat(t.size()).isEqualTo(1);
        t.remove("s");
        assertThat(t.get("s")).isNull();
    }

    @Test
    void manyThreadsKeepTheTableConsistent() throws Exception {
        LearnedSessions t = new LearnedSessions(5_000, 0, System::currentTimeMillis);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            Future<?>[] futures = new Future<?>[8];
            for (int w = 0; w < futures.length; w++) {
                futures[w] = pool.submit(() -> {
                    ThreadLocalRandom r = ThreadLocalRandom.current();
                    for (int i = 0; i < 50_000; i++) {
                        String key = "s" + r.nextInt(20_000);
                        if (r.nextBoolean()) {
                            t.put(key, "b" + (key.hashCode() & 3));
                        } else {
                            String b = t.get(key);
                            assertThat(b == null || b.equals("b" + (key.hashCode() & 3))).isTrue();
                        }
                    }
                });
            }
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(t.size()).isLessThanOrEqualTo(5_000);
    }
}
