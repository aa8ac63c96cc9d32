package io.stickylb.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stickylb.sample.capacity.ServiceTimeDistribution;
import io.stickylb.sample.testing.TestHttp;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CapacityTest {

    private SampleBackend backend;

    @AfterEach
    void stop() {
        if (backend != null) {
            backend.stop();
        }
    }

    @Test
    void maxConcurrencyQueuesRequestsFifo() throws Exception {
        backend = new SampleBackend(SampleBackendOptions.builder("b1").maxConcurrency(1).build());
        backend.start();

        // The first request must still be in service when the second arrives: long enough for a loaded host.
        CompletableFuture<Long> first = slow(2000);
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.stats().inService() == 1);
        CompletableFuture<Long> second = slow(400);
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.stats().queued() == 1);
        assertThat(backend.stats().inService()).isEqualTo(1);

        // Control-plane requests bypass the queue, so health checks still answer while the backend is saturated.
        assertThat(TestHttp.get(backend.baseUrl() + "/health").statusCode()).isEqualTo(200);

        long firstDone = first.get();
        long secondDone = second.get();
        // Sequential service: the second finished a whole service time after the first (generous margin).
        assertThat(secondDone - firstDone).isGreaterThanOrEqualTo(300);
        assertThat(backend.stats().queued()).isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.stats().inService() == 0);
    }

    @Test
    void unlimitedConcurrencyServesInParallel() throws Exception {
        backend = SampleBackend.startNew("b1");
        CompletableFuture<Long> a = slow(500);
        CompletableFuture<Long> b = slow(500);
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.stats().inService() == 2);
        assertThat(backend.stats().queued()).isZero();
        CompletableFuture.allOf(a, b).get();
    }

    @Test
    void serviceTimeDelaysTheAnswer() {
        backend = new SampleBackend(SampleBackendOptions.builder("b1")
                .serviceTime(Duration.ofMillis(200), ServiceTimeDistribution.FIXED).build());
        backend.start();
        long start = System.nanoTime();
        assertThat(TestHttp.get(backend.baseUrl() + "/").statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(190));

        // Health checks are not application work and skip the service time.
        start = System.nanoTime();
        assertThat(TestHttp.get(backend.baseUrl() + "/health").statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(190));
    }

    @Test
    void aClientThatGivesUpWhileQueuedFreesItsPlace() throws Exception {
        backend = new SampleBackend(SampleBackendOptions.builder("b1").maxConcurrency(1).build());
        backend.start();
        // Busy long enough that the raw request is still queued when the test looks (a loaded host is slow).
        CompletableFuture<Long> busy = slow(2000);
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.stats().inService() == 1);
        try (var c = new io.stickylb.sample.testing.RawHttpConnection(backend.port())) {
            c.send(io.stickylb.sample.testing.RawHttpConnection.get("/"));
            await().atMost(Duration.ofSeconds(5)).until(() -> backend.stats().queued() == 1);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.stats().queued() == 0);
        busy.get();
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.stats().inService() == 0);
        assertThat(TestHttp.get(backend.baseUrl() + "/").statusCode()).isEqualTo(200);
    }

    /** Sends {@code /slow?ms=N} and completes with the wall-clock millis at which the answer arrived. */
    private CompletableFuture<Long> slow(int ms) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(backend.baseUrl() + "/slow?ms=" + ms)).build();
        return TestHttp.CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> {
                    assertThat(r.statusCode()).isEqualTo(200);
                    return System.nanoTime() / 1_000_000;
                });
    }
}
