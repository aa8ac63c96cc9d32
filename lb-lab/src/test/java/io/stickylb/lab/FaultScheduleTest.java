package io.stickylb.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The fault actions other than kill, applied to in-process backends, and real loopback client addresses. */
@ExtendWith(NoChildProcessLeft.class)
class FaultScheduleTest {

    @TempDir
    Path out;

    @Test
    void addDrainRemoveAndRestartChangeWhereRequestsGo() throws Exception {
        Scenario s = ScenarioLoader.parse("""
                name: actions
                seed: 5
                duration: 4s
                backends: { count: 3, service-time: 1ms, mode: in-process }
                clients: { count: 300, rate: { total-rps: 400 } }
                strategies:
                  - { name: rr, strategy: round-robin }
                events:
                  - { at: 1s, action: add-backend }
                  - { at: 1500ms, action: remove, backend: 2 }
                  - { at: 2s, action: drain, backend: 1 }
                  - { at: 2500ms, action: restart, backend: 3 }
                """, "actions.yaml");
        RunResult r = new Experiment(s, out, Progress.silent(), new AtomicBoolean()).warmUp(Duration.ZERO).run()
                .runs().get(0);
        long[][] perSecond = r.timeline().requests();
        assertThat(r.perBackend()).extracting(RunResult.BackendResult::id).containsExactly("b1", "b2", "b3", "b4");
        assertThat(perSecond[3][0]).as("b4 before it was added").isZero();
        assertThat(perSecond[3][3]).as("b4 after it was added").isGreaterThan(50);
        assertThat(perSecond[1][3]).as("b2 after its removal").isZero();
        // Round robin keeps no clients, so a draining backend gets nothing new.
        assertThat(perSecond[0][3]).as("b1 draining").isZero();
        assertThat(perSecond[2][3]).as("b3 after its restart").isGreaterThan(50);
        assertThat(r.events()).extracting(RunResult.EventResult::action)
                .containsExactly("add-backend", "remove", "drain", "restart");
        assertThat(r.errors()).isLessThan(r.requests() / 20);
    }

    @Test
    void retriesCausedByABackendStillCountAfterARemoveTookItOut() throws Exception {
        Scenario s = ScenarioLoader.parse("""
                name: stop-remove
                seed: 9
                duration: 3s
                backends: { count: 2, service-time: 1ms, mode: in-process }
                clients: { count: 100, rate: { total-rps: 300 } }
                strategies:
                  - { name: rr, strategy: round-robin, health: { passive: { consecutive-failures: 1000 } } }
                events:
                  - { at: 1s, action: stop, backend: 1 }
                  - { at: 2s, action: remove, backend: 1 }
                """, "stop-remove.yaml");
        RunResult r = new Experiment(s, out, Progress.silent(), new AtomicBoolean()).warmUp(Duration.ZERO).run()
                .runs().get(0);
        // Between the stop and the remove every other request finds b1 refusing and is retried on b2.
        assertThat(r.perBackend().get(0).retries()).as("b1's retries").isGreaterThan(50);
        assertThat(r.retries()).isEqualTo(r.perBackend().get(0).retries() + r.perBackend().get(1).retries());
    }

    @Test
    void anAddedBackendTakesTheWeightItsEventGives() throws Exception {
        Scenario s = ScenarioLoader.parse("""
                name: weighted-add
                seed: 3
                duration: 3s
                backends: { count: 1, service-time: 1ms, mode: in-process }
                clients: { count: 300, rate: { total-rps: 400 } }
                strategies:
                  - { name: rr, strategy: round-robin }
                events:
                  - { at: 1s, action: add-backend, weight: 3 }
                """, "weighted-add.yaml");
        RunResult r = new Experiment(s, out, Progress.silent(), new AtomicBoolean()).warmUp(Duration.ZERO).run()
                .runs().get(0);
        long[][] perSecond = r.timeline().requests();
        // Smooth round robin over weights 1 and 3: b2 takes three requests of four (at weight 1 it took one of two).
        long b1 = perSecond[0][2];
        long b2 = perSecond[1][2];
        assertThat(b1 + b2).isGreaterThan(200);
        assertThat(b2).as("b2 (weight 3) against b1 (weight 1) in the last second").isGreaterThan(2 * b1);
    }

    @Test
    void loopbackSourceAddressesAreWhatIpHashSees() throws Exception {
        Scenario s = ScenarioLoader.parse("""
                name: loopback
                seed: 9
                duration: 3s
                backends: { count: 4, service-time: 1ms }
                clients: { count: 400, nat-groups: 10, source: loopback, rate: { total-rps: 300 } }
                strategies:
                  - { name: ip, strategy: ip-hash, hash: maglev }
                """, "loopback.yaml");
        RunResult r = new Experiment(s, out, Progress.silent(), new AtomicBoolean()).warmUp(Duration.ZERO).run()
                .runs().get(0);
        // Forty real source addresses from 127.1.0.1 on, hashed onto four backends: all four get some (one shared
        // address would reach only one), and every client stays on its backend.
        assertThat(r.requests()).isGreaterThan(500);
        assertThat(r.perBackend()).allSatisfy(b -> assertThat(b.requests()).isPositive());
        assertThat(r.affinityRatio()).isGreaterThan(0.97);
        assertThat(r.errors()).isLessThan(r.requests() / 20);
    }
}
