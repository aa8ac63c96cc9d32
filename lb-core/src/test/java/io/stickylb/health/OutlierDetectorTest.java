package io.stickylb.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.backend.BackendState;
import io.stickylb.config.BackendConfig;
import io.stickylb.config.PassiveHealthConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.metrics.ErrorKind;
import io.stickylb.testing.TestConfigs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

/**
 * {@link OutlierDetector} fed directly with request outcomes, as the proxy's event loops would: what counts as a
 * failure, when a backend is ejected, for how long, and how much of a pool may be ejected at once.
 */
class OutlierDetectorTest {

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private static BackendPool pool(int backends) {
        List<BackendConfig> list = new ArrayList<>();
        for (int i = 1; i <= backends; i++) {
            list.add(TestConfigs.backend("b" + i, 10_000 + i));
        }
        return new BackendPool(PoolConfig.of("app", "round-robin", list));
    }

    private static PassiveHealthConfig passive(int failures, Duration ejection, Duration max, boolean failOn5xx) {
        return new PassiveHealthConfig(true, failures, ejection, max, 50, failOn5xx);
    }

    /** The reasons given for every ejection and un-ejection, in order. */
    private static List<String> reasons(BackendPool pool) {
        List<String> seen = new CopyOnWriteArrayList<>();
        pool.addStateListener((b, from, to, reason) -> seen.add(b.id() + " " + from + "->" + to + ": " + reason));
        return seen;
    }

    /** When each transition happened (System.nanoTime), so a test can measure ejections without sleeping. */
    private static List<Long> transitionTimes(BackendPool pool) {
        List<Long> times = new CopyOnWriteArrayList<>();
        pool.addStateListener((b, from, to, reason) -> times.add(System.nanoTime()));
        return times;
    }

    private static long millisBetween(List<Long> times, int from, int to) {
        return (times.get(to) - times.get(from)) / 1_000_000;
    }

    private static void fail(OutlierDetector d, Backend b, int times, ErrorKind kind) {
        for (int i = 0; i < times; i++) {
            d.failure(b, kind);
        }
    }

    @Test
    void theDefaultFiveConsecutiveFailuresEjectAndFourDoNot() {
        BackendPool pool = pool(3);
        OutlierDetector d = new OutlierDetector(pool, PassiveHealthConfig.DEFAULTS, scheduler);
        Backend b1 = pool.backend("b1").orElseThrow();
        fail(d, b1, 4, ErrorKind.CONNECT);
        assertThat(b1.ejected()).isFalse();
        d.failure(b1, ErrorKind.TIMEOUT);
        assertThat(b1.ejected()).isTrue();
        assertThat(pool.snapshot().available()).extracting(Backend::id).containsExactly("b2", "b3");
        assertThat(b1.stats().ejections.sum()).isEqualTo(1);
    }

    @Test
    void aSuccessfulResponseInBetweenStartsTheCountAgain() {
        BackendPool pool = pool(3);
        OutlierDetector d = new OutlierDetector(pool, PassiveHealthConfig.DEFAULTS, scheduler);
        Backend b1 = pool.backend("b1").orElseThrow();
        fail(d, b1, 4, ErrorKind.RESET);
        d.response(b1, 200);
        fail(d, b1, 4, ErrorKind.RESET);
        assertThat(b1.ejected()).isFalse();
        d.failure(b1, ErrorKind.RESET);
        assertThat(b1.ejected()).isTrue();
    }

    @Test
    void fiveHundredsCountOnlyWhenFailOn5xxIsSet() {
        BackendPool lenientPool = pool(3);
        OutlierDetector lenient = new OutlierDetector(lenientPool,
                passive(2, Duration.ofSeconds(30), Duration.ofMinutes(1), false), scheduler);
        Backend a = lenientPool.backend("b1").orElseThrow();
        lenient.response(a, 503);
        lenient.response(a, 500);
        lenient.response(a, 502);
        assertThat(a.ejected()).isFalse();
        // Without fail-on-5xx an answer, even a 5xx, proves the backend reachable (as Envoy's gateway failures).
        lenient.failure(a, ErrorKind.CONNECT);
        lenient.response(a, 503);
        lenient.failure(a, ErrorKind.CONNECT);
        assertThat(a.ejected()).isFalse();

        BackendPool strictPool = pool(3);
        OutlierDetector strict = new OutlierDetector(strictPool,
                passive(2, Duration.ofSeconds(30), Duration.ofMinutes(1), true), scheduler);
        Backend b = strictPool.backend("b1").orElseThrow();
        strict.response(b, 503);
        strict.failure(b, ErrorKind.CONNECT);
        assertThat(b.ejected()).isTrue();
    }

    @Test
    void aDisabledDetectorNeverEjects() {
        BackendPool pool = pool(3);
        OutlierDetector d = new OutlierDetector(pool, new PassiveHealthConfig(false, 1, Duration.ofSeconds(30),
                Duration.ofMinutes(1), 100, true), scheduler);
        Backend b1 = pool.backend("b1").orElseThrow();
        fail(d, b1, 10, ErrorKind.CONNECT);
        d.response(b1, 500);
        assertThat(b1.ejected()).isFalse();
    }

    @ParameterizedTest(name = "{0} backends, max-ejection-percent {1}: at most {2} ejected")
    @CsvSource({
        "3, 50, 1",
        "4, 50, 2",
        "2, 50, 1",
        "1, 50, 0",
        "3, 100, 3",
        "3, 0, 0",
        "10, 10, 1",
    })
    void maxEjectionPercentCapsHowMuchOfThePoolIsEjected(int backends, int percent, int expected) {
        BackendPool pool = pool(backends);
        OutlierDetector d = new OutlierDetector(pool, new PassiveHealthConfig(true, 1, Duration.ofSeconds(30),
                Duration.ofMinutes(1), percent, false), scheduler);
        for (int round = 0; round < 3; round++) {
            for (Backend b : pool.backends()) {
                d.failure(b, ErrorKind.CONNECT);
            }
        }
        assertThat(pool.backends().stream().filter(Backend::ejected).count()).isEqualTo(expected);
    }

    @Test
    void aBackendTheCapKeepsInIsReportedOncePerIntervalNotOncePerStreak() {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        Logger logger = (Logger) LoggerFactory.getLogger(OutlierDetector.class);
        logger.addAppender(logs);
        try {
            BackendPool pool = pool(2);
            AtomicLong now = new AtomicLong(1_000_000);
            OutlierDetector d = new OutlierDetector(pool, passive(2, Duration.ofMinutes(5), Duration.ofMinutes(10),
                    false), scheduler, now::get);
            Backend b1 = pool.backend("b1").orElseThrow();
            Backend b2 = pool.backend("b2").orElseThrow();
            fail(d, b1, 2, ErrorKind.CONNECT);
            assertThat(b1.ejected()).isTrue();

            fail(d, b2, 200, ErrorKind.CONNECT); // 100 streaks of 2, all let pass by the 50 % cap
            assertThat(b2.ejected()).isFalse();
            assertThat(logs.list).singleElement().extracting(ILoggingEvent::getFormattedMessage).asString()
                    .contains("failed 2 times in a row (connect) but is not ejected: max-ejection-percent 50 reached")
                    .doesNotContain("more");

            now.addAndGet(OutlierDetector.CAP_WARNING_INTERVAL_MILLIS - 1);
            fail(d, b2, 2, ErrorKind.CONNECT);
            assertThat(logs.list).hasSize(1);
            now.addAndGet(1);
            fail(d, b2, 2, ErrorKind.CONNECT);
            assertThat(logs.list).hasSize(2).last().extracting(ILoggingEvent::getFormattedMessage).asString()
                    .endsWith("max-ejection-percent 50 reached; 100 more such streaks since the last warning");
            now.addAndGet(OutlierDetector.CAP_WARNING_INTERVAL_MILLIS);
            fail(d, b2, 2, ErrorKind.CONNECT);
            assertThat(logs.list).hasSize(3).last().extracting(ILoggingEvent::getFormattedMessage).asString()
                    .endsWith("max-ejection-percent 50 reached");
        } finally {
            logger.detachAppender(logs);
        }
    }

    @Test
    void anEjectionEndsAtItsDeadlineAndSaysHowLongItLasted() {
        BackendPool pool = pool(3);
        List<String> seen = reasons(pool);
        List<Long> times = transitionTimes(pool);
        OutlierDetector d = new OutlierDetector(pool, passive(2, Duration.ofMillis(300), Duration.ofSeconds(10),
                false), scheduler);
        Backend b1 = pool.backend("b1").orElseThrow();
        fail(d, b1, 2, ErrorKind.CONNECT);
        assertThat(b1.ejected()).isTrue();
        // The ejection flag clears a moment before the state change reaches the listeners: wait for both.
        await().atMost(Duration.ofSeconds(10)).until(() -> !b1.ejected() && times.size() == 2);
        // Back without anybody's help, and not before its time (a scheduler never fires early; on a loaded host it
        // may fire late).
        assertThat(millisBetween(times, 0, 1)).isBetween(295L, 5000L);
        assertThat(seen).hasSize(2);
        assertThat(seen.get(0)).contains("UP->DOWN").contains("2 consecutive failures (connect)")
                .contains("ejected for 300ms");
        assertThat(seen.get(1)).contains("DOWN->UP").contains("ejection ended after 300ms");
    }

    @Test
    void repeatedEjectionsDoubleUpToTheMaximumAndAreForgottenAfterAHealthyPeriod() {
        BackendPool pool = pool(3);
        List<String> seen = reasons(pool);
        AtomicLong now = new AtomicLong(1_000_000);
        // Real (short) ejections; the injected clock only decides whether the backend stayed healthy long enough.
        OutlierDetector d = new OutlierDetector(pool, passive(1, Duration.ofMillis(40), Duration.ofMillis(100), false),
                scheduler, now::get);
        Backend b1 = pool.backend("b1").orElseThrow();
        for (int i = 0; i < 3; i++) {
            d.failure(b1, ErrorKind.CONNECT);
            await().atMost(Duration.ofSeconds(2)).until(() -> !b1.ejected());
        }
        // 2 x ejection-time of health later, the doubling starts over.
        now.addAndGet(81);
        d.failure(b1, ErrorKind.CONNECT);
        await().atMost(Duration.ofSeconds(2)).until(() -> !b1.ejected());
        List<String> ejections = seen.stream().filter(s -> s.contains("UP->DOWN")).toList();
        assertThat(ejections).hasSize(4);
        assertThat(ejections.get(0)).contains("ejected for 40ms");
        assertThat(ejections.get(1)).contains("ejected for 80ms");
        assertThat(ejections.get(2)).contains("ejected for 100ms");
        assertThat(ejections.get(3)).contains("ejected for 40ms");
        assertThat(b1.stats().ejections.sum()).isEqualTo(4);
    }

    @Test
    void failuresReportedFromManyEventLoopsAtOnceEjectExactlyOnce() throws Exception {
        BackendPool pool = pool(3);
        OutlierDetector d = new OutlierDetector(pool, passive(5, Duration.ofSeconds(30), Duration.ofMinutes(1), false),
                scheduler);
        Backend b1 = pool.backend("b1").orElseThrow();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        try {
            for (int t = 0; t < 8; t++) {
                threads.execute(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    for (int i = 0; i < 1000; i++) {
                        d.failure(b1, ErrorKind.CONNECT);
                    }
                });
            }
            go.countDown();
            threads.shutdown();
            assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            threads.shutdownNow();
        }
        assertThat(b1.ejected()).isTrue();
        assertThat(b1.stats().ejections.sum()).isEqualTo(1);
    }

    @Test
    void aBackendRemovedFromThePoolIsNotEjected() {
        BackendPool pool = pool(3);
        OutlierDetector d = new OutlierDetector(pool, passive(1, Duration.ofSeconds(30), Duration.ofMinutes(1), false),
                scheduler);
        Backend b3 = pool.backend("b3").orElseThrow();
        pool.reconfigure(pool.config().withBackends(pool.config().backends().subList(0, 2)));
        d.failure(b3, ErrorKind.RESET);
        assertThat(b3.ejected()).isFalse();
        assertThat(pool.backends()).noneMatch(Backend::ejected);
    }

    @Test
    void aBackendActiveChecksHoldDownIsNotEjectedToo() {
        // In panic mode a DOWN backend still gets traffic; its failures must not pile ejections on it that would
        // keep it out after its checks pass again.
        BackendPool pool = pool(3);
        OutlierDetector d = new OutlierDetector(pool, PassiveHealthConfig.DEFAULTS, scheduler);
        Backend b1 = pool.backend("b1").orElseThrow();
        pool.setHealthy("b1", false, "active check: 3 failed");
        fail(d, b1, 20, ErrorKind.CONNECT);
        assertThat(b1.ejected()).isFalse();
        assertThat(d.ejections(b1)).isZero();
        pool.setHealthy("b1", true, "active check: 2 passed");
        assertThat(b1.state()).isEqualTo(BackendState.UP);
    }

    @Test
    void theEndOfAnEjectionLiftedEarlyDoesNotEndTheNextOne() throws Exception {
        BackendPool pool = pool(3);
        // A clock that never moves: the second ejection doubles (no healthy period in between).
        OutlierDetector d = new OutlierDetector(pool, passive(2, Duration.ofMillis(500), Duration.ofSeconds(10),
                false), scheduler, () -> 0L);
        Backend b1 = pool.backend("b1").orElseThrow();
        fail(d, b1, 2, ErrorKind.CONNECT);
        pool.setEjected("b1", false, "active check: recovered, passive ejection lifted");
        fail(d, b1, 2, ErrorKind.CONNECT);
        assertThat(d.ejections(b1)).isEqualTo(2); // 1000 ms this time
        Thread.sleep(750); // past the first ejection's end (500 ms), well before the second's
        assertThat(b1.ejected()).as("the first ejection's end must not end the second").isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> !b1.ejected());
    }
}
