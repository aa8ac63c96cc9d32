package io.stickylb.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs offered twice what their backends can serve: the backlog builds up behind the clients' in-flight requests,
 * and the results must still account for every scheduled request and count its waiting in its latency.
 */
class OverloadTest {

    // Two backends of 4 slots x 20 ms serve at most 400 requests/s; the schedule offers 800/s.
    private static final String SCENARIO = """
            name: overload
            seed: 5
            duration: 2s
            warmup: 200ms
            backends: { count: 2, service-time: 20ms, max-concurrency: 4, mode: in-process }
            clients: { count: 20, rate: { total-rps: 800 }, think-time: %s }
            strategies:
              - { name: rr, strategy: round-robin }
            """;

    @TempDir
    Path out;

    @ParameterizedTest(name = "think time {0}")
    @ValueSource(strings = {"0ms", "5ms"})
    void everyScheduledRequestIsSentFailedOrUnsentAndItsWaitingCountsInItsLatency(String thinkTime)
            throws Exception {
        Scenario scenario = ScenarioLoader.parse(SCENARIO.formatted(thinkTime), "overload.yaml");

        ExperimentResult result = new Experiment(scenario, out, Progress.silent(), new AtomicBoolean())
                .warmUp(Duration.ZERO).run();

        RunResult run = result.runs().get(0);
        System.out.println(SummaryTable.render(result) + "unsent " + run.unsent() + ", p50 ms " + run.p50Ms());
        // The measured requests are the schedule's, whatever the proxy does: those whose latency origin falls in
        // [warm-up, end) and that were scheduled before the end.
        assertThat(run.requests() + run.unsent()).as("answered + errors + unsent")
                .isEqualTo(measured(scenario));
        assertThat(run.unsent()).as("the backlog left at the end").isGreaterThan(200);
        // By time t the backends have answered at most 400/s x t, about the requests due by t/2 (at 800/s), so an
        // answer at t waited about t/2, longer on a slower machine: the measured answers come from about 0.4 s to
        // 2 s, their median near 0.6 s, their top near 1 s. Per-client order blurs that, hence 250 and 400 ms.
        // Counted from when a request left its client's backlog, only the backends' queue would show: 20 clients
        // over 8 slots of 20 ms, under 100 ms.
        assertThat(run.p50Ms()).as("p50 ms").isGreaterThan(250);
        assertThat(run.p99Ms()).as("p99 ms").isGreaterThan(400);
    }

    /**
     * The schedule's requests in the measured window, by latency origin: the scheduled time, or with think time T no
     * earlier than T after the client's previous origin (when a system answering at once would have let it go).
     */
    private static long measured(Scenario scenario) {
        ClientSpec clients = scenario.clients();
        long think = clients.thinkTime().toNanos();
        long[] nextOrigin = new long[clients.count()];
        ClientSchedule schedule = new ClientSchedule(clients, scenario.seed());
        long n = 0;
        for (schedule.advance(); schedule.atNanos() < scenario.duration().toNanos(); schedule.advance()) {
            int c = schedule.client();
            long origin = Math.max(schedule.atNanos(), nextOrigin[c]);
            nextOrigin[c] = origin + think;
            if (origin >= scenario.warmup().toNanos()) {
                n++;
            }
        }
        return n;
    }
}
