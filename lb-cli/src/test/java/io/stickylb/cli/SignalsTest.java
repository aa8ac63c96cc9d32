package io.stickylb.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lb run} as a real process: SIGHUP reloads, SIGTERM and SIGINT shut down gracefully with exit code 0. */
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
        return Files.writeString(dir.resolve("lb.yaml"), "listen: 127.0.0.1:" + port + "\n"
                + "access-log: off\n"
                + "shutdown-timeout: 5s\n"
                + "pools:\n"
                + "  app:\n"
                + "    backends:\n"
                + "      - { id: " + id + ", address: 127.0.0.1:" + backend.port() + " }\n");
    }
}
