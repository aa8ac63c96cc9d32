package io.stickylb.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lb run} as a real process: SIGHUP reloads, SIGTERM and SIGINT shut down gracefully with exit code 0, and
 * during that drain a SIGHUP changes nothing while a second SIGTERM exits at once with 1.
 */
class SignalsTest {

    @TempDir
    Path dir;

    private IdServer b1;
    private IdServer b2;
    private Process process;

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue(!System.getProperty("os.name").toLowerCase().startsWith("windows"), "POSIX signals only");
        b1 = new IdServer("b1");
        b2 = new IdServer("b2");
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        Cli.kill(process);
        if (b1 != null) {
            b1.close();
            b2.close();
        }
    }

    @Test
    void sighupReloadsTheFileAndSigtermExitsWithZero() throws Exception {
        int port = Cli.freePort();
        Path file = write(port, "b1", b1);
        process = lb("run", "--config", file.toString());
        awaitServedBy(port, "b1", 30);

        Files.writeString(file, "pools: [this is not a pool map]\n");
        signal("HUP");
        await().atMost(Duration.ofSeconds(10)).until(() -> log().contains("reload failed"));
        awaitServedBy(port, "b1", 5);

        write(port, "b2", b2);
        signal("HUP");
        awaitServedBy(port, "b2", 10);
        assertThat(process.isAlive()).isTrue();

        process.destroy(); // SIGTERM
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
        assertThat(Http.listening(port)).isFalse();
    }

    @Test
    void sighupAppliesANewAdminTokenAndWarnsThatMovingTheAdminListenerNeedsARestart() throws Exception {
        int port = Cli.freePort();
        int adminPort = Cli.freePort();
        int elsewhere = Cli.freePort();
        Path file = write(port, "b1", b1);
        String pools = Files.readString(file);
        Files.writeString(file, "admin: { listen: 127.0.0.1:" + adminPort + ", token: first }\n" + pools);
        process = lb("run", "--config", file.toString(), "--warmup", "0");
        awaitServedBy(port, "b1", 30);
        String admin = "http://127.0.0.1:" + adminPort + "/";
        assertThat(Cli.run("status", "--admin", admin, "--token", "first").exitCode()).isZero();

        Files.writeString(file, "admin: { listen: 127.0.0.1:" + elsewhere + ", token: second }\n" + pools);
        signal("HUP");
        await().atMost(Duration.ofSeconds(10)).until(() -> log().contains("configuration reloaded"));

        assertThat(log()).contains("WARN").contains("admin.listen changed to 127.0.0.1:" + elsewhere
                + "; the admin API still listens on 127.0.0.1:" + adminPort + " until restarted");
        assertThat(Cli.run("status", "--admin", admin, "--token", "first").exitCode()).isEqualTo(2);
        assertThat(Cli.run("status", "--admin", admin, "--token", "second").exitCode()).isZero();
    }

    @Test
    void sighupWarnsThatTurningTheAdminApiOnNeedsARestart() throws Exception {
        int port = Cli.freePort();
        int adminPort = Cli.freePort();
        Path file = write(port, "b1", b1);
        process = lb("run", "--config", file.toString(), "--warmup", "0");
        awaitServedBy(port, "b1", 30);

        Files.writeString(file, "admin: { listen: 127.0.0.1:" + adminPort + " }\n" + Files.readString(file));
        signal("HUP");
        await().atMost(Duration.ofSeconds(10)).until(() -> log().contains("configuration reloaded"));

        assertThat(log()).contains("admin added (admin.listen 127.0.0.1:" + adminPort + "); the admin API starts"
                + " at the next restart");
        assertThat(Http.listening(adminPort)).isFalse();
    }

    @Test
    void sigintExitsWithZero() throws Exception {
        int port = Cli.freePort();
        process = lb("run", "--config", write(port, "b1", b1).toString());
        awaitServedBy(port, "b1", 30);

        signal("INT");

        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
    }

    @Test
    void underNohupTheStartSaysSighupIsIgnoredAndAHangupChangesNothing() throws Exception {
        int port = Cli.freePort();
        Path file = write(port, "b1", b1);
        List<String> cmd = new java.util.ArrayList<>(List.of("nohup"));
        cmd.addAll(Cli.command(List.of(), "run", "--config", file.toString()));
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("lb.log").toFile())
                .start();
        awaitServedBy(port, "b1", 30);
        assertThat(log()).contains("SIGHUP is ignored by this process (started under nohup?)", "'lb reload'")
                .doesNotContain("SIGHUP reloads");

        write(port, "b2", b2);
        signal("HUP");
        Thread.sleep(1000); // a reload, had the signal arrived, takes milliseconds
        assertThat(process.isAlive()).isTrue();
        assertThat(Http.backendId(port)).isEqualTo("b1");
    }

    @Test
    void aSighupDuringTheDrainNeitherEndsTheProcessNorCutsTheRequestStillInFlight() throws Exception {
        try (HeldServer held = new HeldServer()) {
            int port = Cli.freePort();
            process = lb("run", "--config", write(port, "held", held.port()).toString(), "--warmup", "0");
            awaitServedBy(port, "held", 30);
            CompletableFuture<Integer> inFlight = held.request(port);
            signal("TERM");
            await().atMost(Duration.ofSeconds(10)).until(() -> !Http.listening(port)); // the drain has begun

            signal("HUP");
            // A signal's effect takes milliseconds: the process must still be draining a second later.
            assertThat(process.waitFor(1, TimeUnit.SECONDS)).as("ended by the SIGHUP").isFalse();
            held.release.countDown();
            assertThat(inFlight.get(10, TimeUnit.SECONDS)).isEqualTo(200);
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isZero();
        }
    }

    @Test
    void aSecondSigtermDuringTheDrainExitsAtOnceWithOneAndSaysSo() throws Exception {
        try (HeldServer held = new HeldServer()) {
            int port = Cli.freePort();
            process = lb("run", "--config", write(port, "held", held.port()).toString(), "--warmup", "0");
            awaitServedBy(port, "held", 30);
            held.request(port);
            signal("TERM");
            await().atMost(Duration.ofSeconds(10)).until(() -> !Http.listening(port));

            signal("TERM");
            assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isEqualTo(LbCommand.FAILURE);
            assertThat(log()).contains("SIGTERM received again: exiting without waiting for in-flight requests");
        }
    }

    /** A backend that holds {@code GET /hold} until released; anything else it answers at once. */
    private static final class HeldServer implements AutoCloseable {
        final CountDownLatch arrived = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final ExecutorService threads = Executors.newCachedThreadPool();
        private final HttpServer server;

        HeldServer() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
            server.setExecutor(threads);
            server.createContext("/", exchange -> {
                if (exchange.getRequestURI().getPath().equals("/hold")) {
                    arrived.countDown();
                    try {
                        release.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                exchange.getResponseHeaders().add("X-Backend-Id", "held");
                exchange.sendResponseHeaders(200, 4);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write("held".getBytes(StandardCharsets.US_ASCII));
                }
            });
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        /** Sends {@code GET /hold} through the proxy on {@code port}; returns once the request reached this server. */
        CompletableFuture<Integer> request(int port) throws InterruptedException {
            CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> {
                try {
                    return Http.get(port, "/hold").statusCode();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            });
            assertThat(arrived.await(10, TimeUnit.SECONDS)).as("the request reached the backend").isTrue();
            return status;
        }

        @Override
        public void close() {
            release.countDown();
            server.stop(0);
            threads.shutdownNow();
        }
    }

    private void awaitServedBy(int port, String id, int seconds) throws IOException {
        try {
            await().atMost(Duration.ofSeconds(seconds)).until(() -> id.equals(Http.backendId(port)));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("not served by " + id + "; lb exited: " + !process.isAlive() + "; its output:\n"
                    + log(), e);
        }
    }

    private String log() throws IOException {
        return Files.readString(dir.resolve("lb.log"));
    }

    /** {@code lb args...} in a child JVM; its output goes to dir/lb.log. */
    private Process lb(String... args) throws IOException {
        return Cli.spawn(dir.resolve("lb.log"), List.of(), args);
    }

    private void signal(String name) throws IOException, InterruptedException {
        Cli.signal(process, name);
    }

    private Path write(int port, String id, IdServer backend) throws IOException {
        return write(port, id, backend.port());
    }

    private Path write(int port, String id, int backendPort) throws IOException {
        return Files.writeString(dir.resolve("lb.yaml"), "listen: 127.0.0.1:" + port + "\n"
                + "access-log: off\n"
                + "shutdown-timeout: 5s\n"
                + "pools:\n"
                + "  app:\n"
                + "    backends:\n"
                + "      - { id: " + id + ", address: 127.0.0.1:" + backendPort + " }\n");
    }
}
