package io.stickylb.server;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.stickylb.testing.TestConfigs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class JitWarmupTest {

    @Test
    void itServesItsOwnTrafficWithEveryRareEventAndLeavesNoThreadBehind() {
        JitWarmup.Result r = new JitWarmup(Duration.ofSeconds(30), 6_000).run();

        assertThat(r.failure()).isNull();
        assertThat(r.requests()).isBetween(6_000L, 6_000L + JitWarmup.CLIENTS);
        assertThat(r.resets()).isPositive();
        assertThat(r.earlyCloses()).isPositive();
        assertThat(r.clientCloses()).isPositive();
        assertThat(r.idlePulses()).isPositive();
        await().atMost(Duration.ofSeconds(10)).until(JitWarmupTest::noWarmupThreads);
    }

    @Test
    void aRunningProxyAndItsBackendsSeeNoneOfIt() throws Exception {
        WireMockServer backend = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        backend.start();
        backend.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("real")));
        LoadBalancer lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
        try {
            JitWarmup.Result r = new JitWarmup(Duration.ofSeconds(30), 2_000).run();
            assertThat(r.requests()).isGreaterThanOrEqualTo(2_000);

            backend.verify(0, anyRequestedFor(anyUrl()));
            assertThat(lb.clientConnections()).isZero();
            assertThat(lb.scrapeMetrics()).doesNotContain("warmup");

            HttpResponse<String> real = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lb.port() + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(real.body()).isEqualTo("real");
            backend.verify(1, anyRequestedFor(anyUrl()));
        } finally {
            lb.close();
            backend.stop();
        }
    }

    @Test
    void stopEndsItEarlyAndStopBeforeRunMeansNoTraffic() {
        JitWarmup long30s = new JitWarmup(Duration.ofSeconds(30), Long.MAX_VALUE);
        CompletableFuture<JitWarmup.Result> running = CompletableFuture.supplyAsync(long30s::run);
        await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("stickylb-warmup-client")));

        long30s.stop();

        JitWarmup.Result r = assertTimeoutPreemptively(Duration.ofSeconds(15), () -> running.get());
        assertThat(r.failure()).isNull();
        assertThat(r.took()).isLessThan(Duration.ofSeconds(30));

        JitWarmup stoppedFirst = new JitWarmup(Duration.ofSeconds(30), Long.MAX_VALUE);
        stoppedFirst.stop();
        assertThat(stoppedFirst.run().requests()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(JitWarmupTest::noWarmupThreads);
    }

    @Test
    void aNegativeBudgetIsRefused() {
        assertThatThrownBy(() -> new JitWarmup(Duration.ofSeconds(-1), 10))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new JitWarmup(Duration.ofSeconds(1), -1)).isInstanceOf(IllegalArgumentException.class);
    }

    private static boolean noWarmupThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.isAlive() && t.getName().startsWith("stickylb-warmup"));
    }
}
