package io.stickylb.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Short versions of the shipped scenarios (seconds, fewer clients, a few of their strategies) asserting the
 * qualitative result each one is there to show, with margins: the machine running them may be busy.
 */
@ExtendWith(NoChildProcessLeft.class)
class ShippedScenariosTest {

    @TempDir
    Path out;

    @Test
    void natMakesIpHashUnbalancedWhileCookieAffinityStaysEven() throws Exception {
        ExperimentResult r = run("nat.yaml", 3, 1000, 400, "ip-maglev", "cookie");
        RunResult ipHash = run(r, "ip-maglev");
        RunResult cookie = run(r, "cookie");
        // Five addresses over four backends: one backend has at least two of them (max/mean >= 1.6 in theory).
        assertThat(ipHash.imbalanceMaxMean()).isGreaterThan(1.3);
        assertThat(ipHash.imbalanceMaxMean()).isGreaterThan(cookie.imbalanceMaxMean() + 0.2);
        assertThat(cookie.affinityRatio()).isGreaterThan(0.95);
        assertThat(ipHash.affinityRatio()).isGreaterThan(0.95);
        assertThat(Files.readString(out.resolve("report.html"))).contains("<svg", "ip-maglev", "cookie");
    }

    @Test
    void zipfSkewMakesStickyStrategiesLessBalancedThanRoundRobin() throws Exception {
        ExperimentResult r = run("zipf-skew.yaml", 3, 1000, 500, "rr", "ip-maglev", "cookie");
        RunResult rr = run(r, "rr");
        assertThat(rr.imbalanceMaxMean()).isLessThan(1.08);
        // Round robin with sessions in memory loses them all the time, no fault needed: a returning client lands on
        // its session's backend only by chance.
        assertThat(rr.sessionsLost()).isGreaterThan(rr.requests() / 3);
        assertThat(rr.affinityRatio()).isLessThan(0.5);
        for (String sticky : List.of("ip-maglev", "cookie")) {
            RunResult s = run(r, sticky);
            assertThat(s.imbalanceMaxMean()).as(sticky).isGreaterThan(rr.imbalanceMaxMean() + 0.05);
            assertThat(s.cov()).as(sticky).isGreaterThan(rr.cov());
        }
    }

    @Test
    void failoverLosesThePinnedSessionsWithMemoryAndNoneWithRedis() throws Exception {
        boolean redis = RedisServer.available();
        ExperimentResult r = redis
                ? run("failover.yaml", 4, 600, 400, "cookie", "ip-maglev", "cookie-redis")
                : run("failover.yaml", 4, 600, 400, "cookie", "ip-maglev");
        for (String sticky : List.of("cookie", "ip-maglev")) {
            RunResult s = run(r, sticky);
            assertThat(s.sessionsLostExpected()).as(sticky + ": sessions pinned to the killed backend")
                    .isGreaterThan(20);
            assertThat(s.sessionsLost()).as(sticky + ": sessions lost")
                    .isBetween(s.sessionsLostExpected() - margin(s), s.sessionsLostExpected() + margin(s));
            assertThat(s.events().get(0).sessionsPinned()).isGreaterThanOrEqualTo(s.sessionsLostExpected());
        }
        assumeTrue(redis, "redis-server is not installed (apt-get install -y redis-server): Redis run skipped");
        RunResult cookieRedis = run(r, "cookie-redis");
        assertThat(cookieRedis.requests()).isGreaterThan(1000);
        assertThat(cookieRedis.sessionsLost()).isZero();
        assertThat(cookieRedis.sessionsLostExpected()).isZero();
    }

    @Test
    void scaleOutRemapsMostClientsWithModuloAndAQuarterWithMaglev() throws Exception {
        ExperimentResult r = run("scale-out.yaml", 3, 800, 800, "ip-modulo", "ip-maglev");
        RunResult.EventResult modulo = run(r, "ip-modulo").events().get(0);
        RunResult.EventResult maglev = run(r, "ip-maglev").events().get(0);
        // Clients seen before the change and again after it: enough for the fractions below (±5%).
        assertThat(modulo.clientsReturned()).isGreaterThan(150);
        assertThat(maglev.clientsReturned()).isGreaterThan(150);
        // 3 -> 4 backends: modulo keeps only clients whose hash agrees mod 3 and mod 4 (about 1 in 4); Maglev moves
        // about the quarter the new backend must take.
        assertThat(modulo.movedFraction()).isGreaterThan(0.55);
        assertThat(maglev.movedFraction()).isBetween(0.12, 0.40);
        assertThat(modulo.movedFraction()).isGreaterThan(maglev.movedFraction() + 0.2);
    }

    /** A tenth of the expected count, at least 5 sessions: timing decides a few borderline clients. */
    private static long margin(RunResult r) {
        return Math.max(5, r.sessionsLostExpected() / 10);
    }

    private ExperimentResult run(String file, int seconds, int clients, int rps, String... strategies)
            throws Exception {
        Scenario s = ScenarioLoader.load(ScenarioLoaderTest.shipped().resolve(file))
                .withDuration(Duration.ofSeconds(seconds));
        s = s.withClients(s.clients().scaled(clients, rps))
                .withStrategies(s.strategies().stream().filter(st -> List.of(strategies).contains(st.name())).toList());
        for (StrategySpec st : s.strategies()) {
            assumeTrue(st.unavailable() == null, st.name() + ": " + st.unavailable());
        }
        assertThat(s.strategies()).hasSize(strategies.length);
        ExperimentResult r = new Experiment(s, out, Progress.silent(), new AtomicBoolean())
                .warmUp(Duration.ofSeconds(1)).run();
        assertThat(out.resolve("results.json")).exists();
        assertThat(out.resolve("results.csv")).exists();
        assertThat(r.runs()).hasSize(strategies.length);
        for (RunResult run : r.runs()) {
            // A few stalled requests are tolerated; anything more means the lab or the proxy is broken.
            assertThat(run.errors()).as(run.name() + " errors " + run.errorsByKind()).isLessThan(run.requests() / 20);
        }
        System.out.println(file + "\n" + SummaryTable.render(r));
        return r;
    }

    private static RunResult run(ExperimentResult r, String name) {
        return r.runs().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
    }
}
