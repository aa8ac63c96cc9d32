package io.stickylb.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stickylb.config.ConfigLoader;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** While a graceful shutdown drains, the admin API still answers (lb status can watch it) but refuses a reload. */
class AdminDuringShutdownTest {

    @TempDir
    Path dir;

    private FakeBackend backend;
    private LoadBalancer lb;
    /** Lets the slow backend answer. */
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        if (lb != null) {
            lb.close(Duration.ofSeconds(1));
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void theApiAnswersUntilTheDrainEndsButRefusesReloads() throws Exception {
        startBehindASlowBackend("{ listen: 127.0.0.1:0 }");
        InetSocketAddress adminAddress = lb.adminAddress();
        AdminClient admin = new AdminClient(adminAddress);

        try (RawHttp client = new RawHttp(lb.port())) {
            client.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> backend.requests().size() == 1);
            CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> lb.close(Duration.ofSeconds(20)));
            await().atMost(Duration.ofSeconds(5)).until(lb::shuttingDown);

            assertThat(admin.get("/api/pools").status()).as("the API while draining").isEqualTo(200);
            AdminClient.Reply reload = admin.post("/api/reload");
            assertThat(reload.status()).isEqualTo(503);
            assertThat(reload.json().get("error").asText()).contains("shutting down");
            assertThat(closing).isNotDone();

            release.countDown();
            assertThat(client.read().status()).isEqualTo(200);
            closing.get(20, TimeUnit.SECONDS);
        }
        try (Socket s = new Socket()) {
            assertThat(connects(s, adminAddress)).as("the admin listener closes with the rest").isFalse();
        }
    }

    @Test
    void readyIs503WhileWarmingUpAndFromTheShutdownsStartWhileLiveStays200AndNeitherNeedsTheToken() throws Exception {
        startBehindASlowBackend("{ listen: 127.0.0.1:0, token: s3cret-token }");
        AdminClient admin = new AdminClient(lb.adminAddress());
        assertThat(admin.get("/api/pools").status()).as("the API itself still wants the token").isEqualTo(401);
        AdminClient.Reply ready = admin.get("/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json().get("status").asText()).isEqualTo("ready");
        assertThat(admin.get("/live").status()).isEqualTo(200);

        // While the JIT warm-up runs (lb run starts one), not ready: a new instance is put in rotation once warm.
        lb.warmingUp(true);
        AdminClient.Reply warming = admin.get("/ready");
        assertThat(warming.status()).isEqualTo(503);
        assertThat(warming.json().get("status").asText()).isEqualTo("warming up");
        assertThat(admin.get("/live").status()).isEqualTo(200);
        lb.warmingUp(false);
        assertThat(admin.get("/ready").status()).isEqualTo(200);

        try (RawHttp client = new RawHttp(lb.port())) {
            client.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> backend.requests().size() == 1);
            CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> lb.close(Duration.ofSeconds(20)));
            await().atMost(Duration.ofSeconds(5)).until(lb::shuttingDown);

            // Out of rotation from the drain's first moment, while the request in flight still finishes.
            AdminClient.Reply draining = admin.get("/ready");
            assertThat(draining.status()).isEqualTo(503);
            assertThat(draining.json().get("status").asText()).isEqualTo("shutting down");
            assertThat(admin.get("/live").status()).isEqualTo(200);

            release.countDown();
            assertThat(client.read().status()).isEqualTo(200);
            closing.get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void fromTheShutdownsRequestReadyIs503AndReloadsAreRefusedWhileRequestsAreStillServed() throws Exception {
        startBehindASlowBackend("{ listen: 127.0.0.1:0 }");
        AdminClient admin = new AdminClient(lb.adminAddress());
        release.countDown();

        // lb run says so on the signal, then stops its JIT warm-up, and only then closes.
        lb.shutdownBegins();
        AdminClient.Reply ready = admin.get("/ready");
        assertThat(ready.status()).isEqualTo(503);
        assertThat(ready.json().get("status").asText()).isEqualTo("shutting down");
        assertThat(admin.post("/api/reload").status()).isEqualTo(503);
        try (RawHttp client = new RawHttp(lb.port())) {
            client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(client.read().status()).as("still serving until close").isEqualTo(200);
        }
    }

    /** A load balancer with the given admin section, in front of a backend that answers once {@link #release}d. */
    private void startBehindASlowBackend(String adminSection) throws Exception {
        backend = new FakeBackend((req, out, s) -> {
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nslow".getBytes(StandardCharsets.ISO_8859_1));
            return true;
        });
        Path file = Files.writeString(dir.resolve("lb.yaml"), "listen: 127.0.0.1:0\nworkers: 1\naccess-log: off\n"
                + "shutdown-timeout: 20s\nadmin: " + adminSection + "\n"
                + "pools: { app: { backends: [ { id: b1, address: 127.0.0.1:" + backend.port() + " } ] } }\n");
        lb = new LoadBalancer(ConfigLoader.load(file)).start();
    }

    private static boolean connects(Socket s, InetSocketAddress address) {
        try {
            s.connect(address, 2000);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
