package io.stickylb.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RunRecorderTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void aSessionLostIsCountedForTheFaultInForceWhenItsRequestWasSent() {
        ClientPopulation clients = new ClientPopulation(new ClientSpec(4, ClientSpec.RateDistribution.UNIFORM, 1.1,
                100, Duration.ofMillis(10), 1.0, 0, ClientSpec.AddressSource.FORWARDED, ClientSpec.LoadModel.OPEN, 4,
                1), 1);
        RunRecorder recorder = new RunRecorder(4, 0, 20 * SECOND, 5 * SECOND);
        FaultTracker first = new FaultTracker(new FaultEvent(Duration.ofSeconds(5), FaultEvent.Action.KILL, 0, 1),
                5 * SECOND, clients, "JSESSIONID");
        recorder.faults.add(first);
        Reply lost = new Reply(200, 1, true, true);
        // Sent before the second fault fires, answered after it: still the first fault's loss.
        long sentBeforeSecond = 9 * SECOND;
        FaultTracker second = new FaultTracker(new FaultEvent(Duration.ofSeconds(10), FaultEvent.Action.KILL, 1, 1),
                10 * SECOND, clients, "JSESSIONID");
        recorder.faults.add(second);
        recorder.record(0, sentBeforeSecond, sentBeforeSecond, 10 * SECOND + 1000, lost, true, 0);
        recorder.record(1, 11 * SECOND, 11 * SECOND, 11 * SECOND + 1000, lost, true, 1);
        recorder.record(2, 4 * SECOND, 4 * SECOND, 4 * SECOND + 1000, lost, true, 0);

        assertThat(first.lostAfter).isEqualTo(1);
        assertThat(second.lostAfter).isEqualTo(1);
    }
}
