package io.stickylb.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClientMemoryTest {

    @Test
    void aHundredThousandVirtualClientsFitWellUnderTwoHundredMegabytes() {
        ClientSpec spec = new ClientSpec(100_000, ClientSpec.RateDistribution.ZIPF, 1.1, 5000, Duration.ofMillis(10),
                1.0, 0, ClientSpec.AddressSource.FORWARDED, ClientSpec.LoadModel.OPEN, 64, 1);
        long before = usedAfterGc();
        ClientSchedule schedule = new ClientSchedule(spec, 42);
        ClientPopulation clients = new ClientPopulation(spec, 42);
        // Every client holds both cookies, as after a long run with cookie affinity: the worst case.
        for (int c = 0; c < clients.size(); c++) {
            clients.setCookie(c, "LB_ROUTE", "b" + (c % 4 + 1) + ".k1.AbCdEfGhIjKlMnOpQrStUvWx");
            clients.setCookie(c, "JSESSIONID", String.format("%032x", (long) c * 2654435761L));
            clients.sessionBackend(c, c % 4);
            clients.lastBackend(c, c % 4);
            clients.readyAtMillis(c, c);
        }
        RunRecorder recorder = new RunRecorder(8, 0, 60_000_000_000L, Long.MAX_VALUE);
        long used = usedAfterGc() - before;
        assertThat(clients.cookieHeader(99_999)).contains("JSESSIONID=");
        assertThat(schedule).isNotNull();
        assertThat(recorder).isNotNull();
        System.out.printf("100,000 virtual clients: %.1f MB%n", used / 1e6);
        assertThat(used).isLessThan(60_000_000L);
    }

    private static long usedAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
