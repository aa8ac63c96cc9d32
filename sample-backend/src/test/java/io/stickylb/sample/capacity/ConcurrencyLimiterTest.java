package io.stickylb.sample.capacity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

class ConcurrencyLimiterTest {

    private final List<String> granted = new ArrayList<>();
    private final Executor direct = Runnable::run;

    @Test
    void grantsUpToTheLimitThenQueuesInOrder() {
        ConcurrencyLimiter limiter = new ConcurrencyLimiter(2);
        ConcurrencyLimiter.Permit a = limiter.acquire(direct, () -> granted.add("a"));
        ConcurrencyLimiter.Permit b = limiter.acquire(direct, () -> granted.add("b"));
        limiter.acquire(direct, () -> granted.add("c"));
        limiter.acquire(direct, () -> granted.add("d"));
        assertThat(granted).containsExactly("a", "b");
        assertThat(limiter.inService()).isEqualTo(2);
        assertThat(limiter.queued()).isEqualTo(2);

        b.release();
        assertThat(granted).containsExactly("a", "b", "c");
        a.release();
        a.release(); // idempotent: must not free a second slot
        assertThat(granted).containsExactly("a", "b", "c", "d");
        assertThat(limiter.inService()).isEqualTo(2);
        assertThat(limiter.queued()).isZero();
    }

    @Test
    void aWaiterThatLeavesIsSkipped() {
        ConcurrencyLimiter limiter = new ConcurrencyLimiter(1);
        ConcurrencyLimiter.Permit a = limiter.acquire(direct, () -> granted.add("a"));
        ConcurrencyLimiter.Permit b = limiter.acquire(direct, () -> granted.add("b"));
        ConcurrencyLimiter.Permit c = limiter.acquire(direct, () -> granted.add("c"));
        b.release();
        a.release();
        assertThat(granted).containsExactly("a", "c");
        c.release();
        assertThat(limiter.inService()).isZero();
    }

    @Test
    void zeroMeansUnlimited() {
        ConcurrencyLimiter limiter = new ConcurrencyLimiter(0);
        for (int i = 0; i < 100; i++) {
            limiter.acquire(direct, () -> granted.add("x"));
        }
        assertThat(granted).hasSize(100);
        assertThat(limiter.inService()).isEqualTo(100);
        assertThat(limiter.queued()).isZero();
    }
}
