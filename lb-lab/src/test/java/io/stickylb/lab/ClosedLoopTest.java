package io.stickylb.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Closed loop ({@code loop: closed}): {@code connections} requests outstanding, whatever the number of clients. */
class ClosedLoopTest {

    @TempDir
    Path out;

    @Test
    void fewerClientsThanConnectionsKeepOnlyTheConnectionsWorthOfRequestsOutstanding() throws Exception {
        // One client may have one request out: the other three draws wait behind it instead of being drawn anew on
        // every tick until the client's backlog overflows.
        Scenario s = ScenarioLoader.parse("""
                name: closed
                seed: 3
                duration: 1s
                backends: { count: 2, service-time: 1ms, mode: in-process }
                clients: { count: 1, loop: closed, connections: 4 }
                strategies:
                  - { name: cookie, strategy: cookie }
                """, "closed.yaml");
        RunResult r = new Experiment(s, out, Progress.silent(), new AtomicBoolean()).warmUp(Duration.ZERO).run()
                .runs().get(0);
        assertThat(r.errors()).as("errors " + r.errorsByKind()).isZero();
        assertThat(r.requests()).isPositive();
        assertThat(r.unsent()).as("draws left waiting at the end").isLessThanOrEqualTo(4);
        assertThat(r.affinityRatio()).isEqualTo(1.0);
    }
}
