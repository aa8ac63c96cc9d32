package io.stickylb.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stickylb.sample.testing.TestHttp;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SampleBackendMainTest {

    private static final Pattern LISTENING =
            Pattern.compile("^sample-backend (\\S+) listening on (http://127\\.0\\.0\\.1:(\\d+))$", Pattern.MULTILINE);

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private CommandLine commandLine() {
        return SampleBackendMain.newCommandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true));
    }

    @Test
    void startsPrintsTheListeningLineAndServesUntilInterrupted() throws Exception {
        AtomicReference<Thread> runner = new AtomicReference<>();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> {
            runner.set(Thread.currentThread());
            return commandLine().execute("--id", "m1", "--port", "0", "--jvm-route", "m1",
                    "--service-time", "1ms", "--service-time-dist", "EXPONENTIAL", "--seed", "7",
                    "--max-concurrency", "4", "--session-ttl", "10m", "--threads", "2");
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> LISTENING.matcher(out.toString()).find());
        Matcher m = LISTENING.matcher(out.toString());
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).isEqualTo("m1");
        assertThat(out.toString().lines()).hasSize(1);

        HttpResponse<String> r = TestHttp.get(m.group(2) + "/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-backend-id")).hasValue("m1");
        assertThat(TestHttp.sessionCookie(r)).endsWith(".m1");

        runner.get().interrupt();
        assertThat(exit.get()).isZero();
        int port = Integer.parseInt(m.group(3));
        try (ServerSocket free = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThat(free.getLocalPort()).isEqualTo(port); // the port was released on shutdown
        }
    }

    @Test
    void portInUseExitsWithOneAndNamesThePort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            int code = commandLine().execute("--id", "b1", "--port", Integer.toString(port));
            assertThat(code).isEqualTo(1);
            assertThat(err.toString().lines()).containsExactly(
                    "error: port " + port + " is already in use (127.0.0.1:" + port + ")");
            assertThat(out.toString()).isEmpty();
        }
    }

    @Test
    void unreachableRedisExitsWithOne() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();
        }
        int code = commandLine().execute("--id", "b1", "--session-store", "redis://127.0.0.1:" + port);
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).startsWith("error: cannot connect to session store redis://127.0.0.1:" + port);
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertThat(commandLine().execute("--port", "1")).isEqualTo(2);
        assertThat(err.toString()).contains("--id");
        assertThat(commandLine().execute("--id", "b1", "--session-store", "mongo://x")).isEqualTo(2);
        assertThat(err.toString()).contains("expected: memory or redis://HOST:PORT");
        assertThat(commandLine().execute("--id", "b1", "--service-time", "soon")).isEqualTo(2);
        assertThat(commandLine().execute("--id", "b1", "--port", "70000")).isEqualTo(2);
    }

    @Test
    void durationsParse() {
        assertThat(DurationConverter.parse("0")).isEqualTo(Duration.ZERO);
        assertThat(DurationConverter.parse("0ms")).isEqualTo(Duration.ZERO);
        assertThat(DurationConverter.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(DurationConverter.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(DurationConverter.parse("30m")).isEqualTo(Duration.ofMinutes(30));
        assertThat(DurationConverter.parse("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(DurationConverter.parse("PT1M")).isEqualTo(Duration.ofMinutes(1));
    }
}
