package io.stickylb.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.backend.AdminState;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.backend.BackendState;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.proxy.Upstreams;
import io.stickylb.routing.AffinityOutcome;
import io.stickylb.testing.TestConfigs;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The drain tracker driven tick by tick with a hand-moved clock: no sleeping, no scheduler. */
class DrainTrackerTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00.500Z"));
    private final AtomicReference<Upstreams> upstreams = new AtomicReference<>();
    private DrainTracker tracker;
    private BackendPool pool;
    private Backend b1;

    @BeforeEach
    void setUp() {
        LoadBalancerConfig config = TestConfigs.roundRobin(9001, 9002);
        upstreams.set(Upstreams.create(config));
        tracker = new DrainTracker(upstreams::get, clock);
        pool = upstreams.get().pool("app");
        b1 = pool.backend("b1").orElseThrow();
    }

    /** Moves the clock second by second, ticking each time, as the scheduler would. */
    private void run(Duration d) {
        for (long s = 0; s < d.toSeconds(); s++) {
            clock.advance(Duration.ofSeconds(1));
            tracker.tick();
        }
    }

    private void stickyHits(int n) {
        for (int i = 0; i < n; i++) {
            b1.stats().countAffinity(AffinityOutcome.HIT);
        }
    }

    @Test
    void drainFinishesOnceNoStickyRequestCameForTheIdlePeriod() {
        tracker.drain(pool, b1, Duration.ofMinutes(2), Duration.ofMinutes(30), "test");
        assertThat(b1.state()).isEqualTo(BackendState.DRAINING);

        run(Duration.ofSeconds(10));
        stickyHits(1);
        run(Duration.ofSeconds(1));
        // Idle is measured from the last sticky request: 2m after it, not 2m after the drain began.
        run(Duration.ofSeconds(115));
        assertThat(b1.state()).isEqualTo(BackendState.DRAINING);
        assertThat(tracker.status(b1)).get().satisfies(s -> assertThat(s.idleFor()).isEqualTo(Duration.ofSeconds(115)));

        run(Duration.ofSeconds(5));
        assertThat(b1.state()).isEqualTo(BackendState.MAINTENANCE);
        assertThat(b1.adminState()).isEqualTo(AdminState.MAINTENANCE);
        assertThat(tracker.status(b1)).isEmpty();
    }

    @Test
    void drainWithoutAnyStickyClientFinishesAfterTheIdlePeriodFromItsStart() {
        tracker.drain(pool, b1, Duration.ofSeconds(30), Duration.ofMinutes(30), "test");
        run(Duration.ofSeconds(29));
        assertThat(b1.state()).isEqualTo(BackendState.DRAINING);
        run(Duration.ofSeconds(1));
        assertThat(b1.state()).isEqualTo(BackendState.MAINTENANCE);
    }

    @Test
    void steadyStickyTrafficKeepsItDrainingUntilTheDeadline() {
        tracker.drain(pool, b1, Duration.ofMinutes(2), Duration.ofMinutes(10), "test");
        for (int i = 0; i < 59; i++) {
            stickyHits(1);
            run(Duration.ofSeconds(10));
        }
        assertThat(b1.state()).isEqualTo(BackendState.DRAINING);
        stickyHits(1);
        run(Duration.ofSeconds(10));
        assertThat(b1.state()).isEqualTo(BackendState.MAINTENANCE);
    }

    @Test
    void stickyRequestsLastMinuteCountsOnlyTheLastSixtySeconds() {
        tracker.drain(pool, b1, Duration.ofMinutes(5), Duration.ofMinutes(30), "test");
        stickyHits(5);
        run(Duration.ofSeconds(1));
        run(Duration.ofSeconds(29));
        stickyHits(3);
        run(Duration.ofSeconds(1));
        assertThat(tracker.status(b1).orElseThrow().stickyRequestsLastMinute()).isEqualTo(8);

        run(Duration.ofSeconds(30));
        assertThat(tracker.status(b1).orElseThrow().stickyRequestsLastMinute()).isEqualTo(3);
        run(Duration.ofSeconds(30));
        assertThat(tracker.status(b1).orElseThrow().stickyRequestsLastMinute()).isZero();
    }

    @Test
    void hitsBeforeTheDrainAreNotCounted() {
        stickyHits(7);
        tracker.drain(pool, b1, Duration.ofMinutes(2), Duration.ofMinutes(30), "test");
        run(Duration.ofSeconds(3));
        assertThat(tracker.status(b1).orElseThrow().stickyRequestsLastMinute()).isZero();
    }

    @Test
    void enablingCancelsTheDrain() {
        tracker.drain(pool, b1, Duration.ofSeconds(30), Duration.ofMinutes(30), "test");
        run(Duration.ofSeconds(10));
        tracker.setAdminState(pool, b1, AdminState.ENABLED, "test");
        assertThat(tracker.status(b1)).isEmpty();
        run(Duration.ofMinutes(1));
        assertThat(b1.state()).isEqualTo(BackendState.UP);
    }

    @Test
    void maintenanceCancelsTheDrainAndAnEnableAfterwardsIsNotUndone() {
        tracker.drain(pool, b1, Duration.ofSeconds(30), Duration.ofMinutes(30), "test");
        tracker.setAdminState(pool, b1, AdminState.MAINTENANCE, "test");
        assertThat(tracker.status(b1)).isEmpty();
        tracker.setAdminState(pool, b1, AdminState.ENABLED, "test");
        run(Duration.ofMinutes(1));
        assertThat(b1.state()).isEqualTo(BackendState.UP);
    }

    @Test
    void enablingThroughThePoolDirectlyAlsoCancelsIt() {
        tracker.drain(pool, b1, Duration.ofSeconds(30), Duration.ofMinutes(30), "test");
        run(Duration.ofSeconds(5));
        pool.setAdminState("b1", AdminState.ENABLED, "someone else");
        run(Duration.ofMinutes(1));
        assertThat(b1.state()).isEqualTo(BackendState.UP);
        assertThat(tracker.status(b1)).isEmpty();
    }

    @Test
    void aDrainStartedElsewhereIsPickedUpWithTheDefaultLimits() {
        pool.setState("b1", BackendState.DRAINING, "set by a test");
        tracker.tick();
        DrainStatus s = tracker.status(b1).orElseThrow();
        assertThat(s.untilIdle()).isEqualTo(DrainTracker.DEFAULT_UNTIL_IDLE);
        assertThat(s.deadline()).isEqualTo(DrainTracker.DEFAULT_DEADLINE);
        run(DrainTracker.DEFAULT_UNTIL_IDLE);
        assertThat(b1.state()).isEqualTo(BackendState.MAINTENANCE);
    }

    @Test
    void aDrainingBackendThatFailsItsChecksIsDownAndStillFinishesItsDrain() {
        tracker.drain(pool, b1, Duration.ofSeconds(30), Duration.ofMinutes(30), "test");
        pool.setHealthy("b1", false, "checks failed");
        assertThat(b1.state()).isEqualTo(BackendState.DOWN);
        run(Duration.ofSeconds(30));
        assertThat(b1.adminState()).isEqualTo(AdminState.MAINTENANCE);
    }

    @Test
    void aBackendRemovedByAReloadIsForgotten() {
        tracker.drain(pool, b1, Duration.ofSeconds(30), Duration.ofMinutes(30), "test");
        LoadBalancerConfig without = TestConfigs.single(
                PoolConfig.of("app", "round-robin", List.of(TestConfigs.backend("b2", 9002))));
        upstreams.set(upstreams.get().next(without, new ArrayList<>()));
        tracker.tick();
        assertThat(tracker.status(b1)).isEmpty();
    }

    @Test
    void restartingADrainResetsItsClock() {
        tracker.drain(pool, b1, Duration.ofSeconds(30), Duration.ofMinutes(30), "test");
        run(Duration.ofSeconds(20));
        tracker.drain(pool, b1, Duration.ofSeconds(30), Duration.ofMinutes(30), "test again");
        run(Duration.ofSeconds(20));
        assertThat(b1.state()).isEqualTo(BackendState.DRAINING);
        run(Duration.ofSeconds(10));
        assertThat(b1.state()).isEqualTo(BackendState.MAINTENANCE);
    }
}
