package io.stickylb.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClientPopulationTest {

    private static ClientPopulation clients(Duration thinkTime) {
        return new ClientPopulation(new ClientSpec(10, ClientSpec.RateDistribution.UNIFORM, 1.1, 100, thinkTime, 1.0,
                0, ClientSpec.AddressSource.FORWARDED, ClientSpec.LoadModel.OPEN, 4, 1), 1);
    }

    private static long ms(long millis) {
        return millis * 1_000_000L;
    }

    @Test
    void waitingRequestsComeBackInOrderWithTheirScheduledTimes() {
        ClientPopulation clients = clients(Duration.ZERO);
        long added = 0;
        long taken = 0;
        // Uneven rounds of adds and takes wrap the ring around and make it grow past its first slots.
        for (int round = 0; round < 50; round++) {
            for (int i = 0; i < 3 + round % 7; i++) {
                assertThat(clients.addWaiting(3, ms(added++))).isTrue();
            }
            for (int i = 0; i < 2 + round % 5 && clients.hasWaiting(3); i++) {
                assertThat(clients.takeWaiting(3)).isEqualTo(ms(taken++));
            }
        }
        while (clients.hasWaiting(3)) {
            assertThat(clients.takeWaiting(3)).isEqualTo(ms(taken++));
        }
        assertThat(taken).isEqualTo(added);
        assertThat(clients.hasWaiting(4)).isFalse();
    }

    @Test
    void aClientKeepsAtMost32767WaitingRequests() {
        ClientPopulation clients = clients(Duration.ZERO);
        for (int i = 0; i < Short.MAX_VALUE; i++) {
            assertThat(clients.addWaiting(0, i)).isTrue();
        }
        assertThat(clients.addWaiting(0, Short.MAX_VALUE)).isFalse();
        assertThat(clients.takeWaiting(0)).isZero();
        assertThat(clients.addWaiting(0, Short.MAX_VALUE)).isTrue();
    }

    @Test
    void withThinkTimeLatencyCountsFromWhenAnInstantSystemWouldHaveLetTheRequestGo() {
        ClientPopulation clients = clients(Duration.ofMillis(10));
        assertThat(clients.nextOrigin(0, ms(1), ms(1))).as("first request").isEqualTo(ms(1));
        // Scheduled at 3 ms, let go at 40 ms after a slow answer: instantly answered, it would have gone at 11 ms.
        assertThat(clients.nextOrigin(0, ms(3), ms(40))).isEqualTo(ms(11));
        assertThat(clients.nextOrigin(0, ms(50), ms(60))).as("scheduled after the think time").isEqualTo(ms(50));
        // With several requests out the think time follows answers only, so one may go before the chain allows.
        assertThat(clients.nextOrigin(0, ms(52), ms(55))).as("never after it went").isEqualTo(ms(55));
        assertThat(clients.nextOrigin(1, ms(4), ms(4))).as("another client").isEqualTo(ms(4));
        assertThat(clients(Duration.ZERO).nextOrigin(0, ms(3), ms(40))).as("no think time").isEqualTo(ms(3));
    }
}
