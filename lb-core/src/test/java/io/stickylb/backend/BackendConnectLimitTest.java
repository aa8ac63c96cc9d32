package io.stickylb.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.config.BackendConfig;
import io.stickylb.config.Endpoint;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * {@code max-pending-per-backend} holds when event loops start connects to one backend at the same moment: a look at
 * the count followed by an increment let two loops both take the last place (what CI's ConnectionQueueTest failures
 * showed: with a limit of one, one request fewer waited in line than were sent).
 */
class BackendConnectLimitTest {

    private static final int THREADS = 2;
    private static final int ROUNDS_PER_THREAD = 2_000_000;

    @Test
    void threadsRacingForTheLastConnectPlaceNeverBothGetIt() throws Exception {
        Backend b = new Backend("app", new BackendConfig("b1", new Endpoint("127.0.0.1", 8080), 1));
        AtomicInteger overLimit = new AtomicInteger();
        AtomicLong started = new AtomicLong();
        CountDownLatch go = new CountDownLatch(1);
        Thread[] loops = new Thread[THREADS];
        for (int t = 0; t < THREADS; t++) {
            loops[t] = new Thread(() -> {
                awaitQuietly(go);
                for (int i = 0; i < ROUNDS_PER_THREAD; i++) {
                    if (b.tryStartConnect(1)) {
                        started.incrementAndGet();
                        // Holding the only place: nobody else can have counted a connect meanwhile.
                        if (b.pendingConnects() != 1) {
                            overLimit.incrementAndGet();
                        }
                        b.connectFinished();
                    }
                }
            });
            loops[t].start();
        }
        go.countDown();
        for (Thread t : loops) {
            t.join(TimeUnit.SECONDS.toMillis(60));
            assertThat(t.isAlive()).as("a racing thread still running after a minute").isFalse();
        }
        assertThat(overLimit.get()).as("times a second connect was counted beside the only allowed one").isZero();
        assertThat(started.get()).isPositive();
        assertThat(b.pendingConnects()).isZero();
    }

    @Test
    void aFullBackendRefusesAndAFinishedConnectFreesItsPlace() {
        Backend b = new Backend("app", new BackendConfig("b1", new Endpoint("127.0.0.1", 8080), 1));
        assertThat(b.tryStartConnect(2)).isTrue();
        assertThat(b.tryStartConnect(2)).isTrue();
        assertThat(b.tryStartConnect(2)).isFalse();
        assertThat(b.pendingConnects()).isEqualTo(2);
        b.connectFinished();
        assertThat(b.tryStartConnect(2)).isTrue();
        assertThat(b.pendingConnects()).isEqualTo(2);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
