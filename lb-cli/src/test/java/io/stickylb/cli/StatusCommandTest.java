package io.stickylb.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.stickylb.backend.BackendState;
import io.stickylb.backend.BackendPool;
import io.stickylb.config.AdminConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.config.LimitsConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.StalledListener;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lb status}: colors by state on a terminal and plain otherwise, the SHARE column, and {@code --watch}
 * (refreshes, shares since the previous refresh, stops with exit code 0 on a stop request or Ctrl-C).
 */
class StatusCommandTest {

    private static final String ESC = "\u001b[";

    @TempDir
    Path dir;

    private FakeBackend one;
    private FakeBackend two;
    private LoadBalancer lb;
    private String url;

    @BeforeEach
    void start() throws IOException {
        one = FakeBackend.okOrWebSocket("one");
        two = FakeBackend.okOrWebSocket("two");
        lb = new LoadBalancer(TestConfigs.roundRobin(one.port(), two.port())
                .withAdmin(new AdminConfig(new Endpoint("127.0.0.1", 0), null))).start();
        url = "http://127.0.0.1:" + lb.adminAddress().getPort();
    }

    @AfterEach
    void stop() throws IOException {
        lb.close();
        one.close();
        two.close();
    }

    private BackendPool pool() {
        return lb.upstreams().pool("app");
    }

    private void requests(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            assertThat(Http.get(lb.port(), "/").statusCode()).isEqualTo(200);
        }
    }

    // ---- colors ----------------------------------------------------------------------------------------------------

    @Test
    void withoutATerminalTheOutputIsPlain() {
        // Under the test runner there is no console: auto means plain.
        Cli.Result r = Cli.run("status", "--admin", url);
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).doesNotContain(ESC).contains("UP");
    }

    @Test
    void colorsFollowTheStateAndKeepTheColumnsAligned() {
        pool().setState("b1", BackendState.DOWN, "test");
        pool().setState("b2", BackendState.DRAINING, "test");
        Cli.Result colored = Cli.run("status", "--admin", url, "--color", "always");
        assertThat(colored.exitCode()).isZero();
        assertThat(colored.out()).contains(Ansi.BOLD + Ansi.RED + "DOWN" + Ansi.RESET)
                .contains(Ansi.YELLOW + "DRAINING" + Ansi.RESET);
        Cli.Result plain = Cli.run("status", "--admin", url, "--color", "never");
        assertThat(plain.out()).doesNotContain(ESC);
        // Same table once the escapes are removed: widths count what shows.
        assertThat(Ansi.visible(colored.out())).isEqualTo(plain.out());

        pool().setState("b1", BackendState.UP, "test");
        pool().setState("b2", BackendState.MAINTENANCE, "test");
        Cli.Result again = Cli.run("status", "--admin", url, "--color=ALWAYS");
        assertThat(again.out()).contains(Ansi.GREEN + "UP" + Ansi.RESET)
                .contains(Ansi.BLUE + "MAINTENANCE" + Ansi.RESET);
    }

    @Test
    void autoColorsOnlyOnATerminalAndNoColorTurnsThemOff() {
        assertThat(Ansi.detect(Ansi.Mode.AUTO, false, Map.of())).isEqualTo(new Ansi(false, false));
        assertThat(Ansi.detect(Ansi.Mode.AUTO, true, Map.of("TERM", "xterm-256color"))).isEqualTo(new Ansi(true, true));
        assertThat(Ansi.detect(Ansi.Mode.AUTO, true, Map.of("NO_COLOR", "1"))).isEqualTo(new Ansi(false, true));
        assertThat(Ansi.detect(Ansi.Mode.AUTO, true, Map.of("NO_COLOR", ""))).isEqualTo(new Ansi(true, true));
        assertThat(Ansi.detect(Ansi.Mode.AUTO, true, Map.of("TERM", "dumb"))).isEqualTo(new Ansi(false, false));
        assertThat(Ansi.detect(Ansi.Mode.ALWAYS, false, Map.of("NO_COLOR", "1"))).isEqualTo(new Ansi(true, true));
        assertThat(Ansi.detect(Ansi.Mode.NEVER, true, Map.of())).isEqualTo(new Ansi(false, false));
        assertThat(new Ansi(false, true).state("UP")).isEqualTo("UP");
    }

    @Test
    void aBadColorIsAUsageError() {
        Cli.Result r = Cli.run("status", "--admin", url, "--color", "sometimes");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("auto, always or never");
    }

    // ---- share -----------------------------------------------------------------------------------------------------

    @Test
    void aSingleRunSharesAllRequestsSoFar() throws Exception {
        Cli.Result idle = Cli.run("status", "--admin", url);
        assertThat(lines(idle.out())[1]).matches("app +b1 +UP +1 +- +.*");

        pool().setWeight("b1", 3, "test");
        requests(8);
        String[] lines = lines(Cli.run("status", "--admin", url).out());
        assertThat(lines[1]).matches("app +b1 +UP +3 \\(1\\) +75\\.0% +0 +6 +0 +0");
        assertThat(lines[2]).matches("app +b2 +UP +1 +25\\.0% +0 +2 +0 +0");
        assertThat(lines[lines.length - 1])
                .matches("clients: \\d+ open \\(max-connections 10000\\), [1-9]\\d* accepted, 0 refused since start");
    }

    @Test
    void clientsRefusedAtMaxConnectionsAreCountedUnderTheTable() throws Exception {
        try (LoadBalancer small = new LoadBalancer(TestConfigs.roundRobin(one.port(), two.port())
                .withLimits(LimitsConfig.DEFAULTS.withMaxConnections(1))
                .withAdmin(new AdminConfig(new Endpoint("127.0.0.1", 0), null))).start();
             Socket held = new Socket(InetAddress.getLoopbackAddress(), small.port())) {
            String admin = "http://127.0.0.1:" + small.adminAddress().getPort();
            await().atMost(Duration.ofSeconds(10)).until(() -> Cli.run("status", "--admin", admin).out()
                    .contains("clients: 1 open (max-connections 1), 1 accepted, 0 refused"));
            try (Socket refused = new Socket(InetAddress.getLoopbackAddress(), small.port())) {
                assertThat(refused.getInputStream().readAllBytes()).asString(StandardCharsets.US_ASCII)
                        .startsWith("HTTP/1.1 503 ");
            }
            Cli.Result r = Cli.run("status", "--admin", admin, "--color", "always");
            assertThat(r.out()).contains("clients: 1 open (max-connections 1), 1 accepted, "
                    + Ansi.RED + "1 refused" + Ansi.RESET + " since start");
        }
    }

    @Test
    void requestsWaitingInLineForAConnectionAreNamedInTheInFlightColumn() throws Exception {
        // One connect at a time to a backend that never completes one (and a connect timeout longer than the test):
        // the first request connects, two wait in line.
        List<Socket> clients = new ArrayList<>();
        try (StalledListener stalled = new StalledListener()) {
            PoolConfig pool = TestConfigs.withTimeouts(TestConfigs.pool("round-robin", stalled.port()),
                    Duration.ofMinutes(1), Duration.ofSeconds(30), Duration.ofSeconds(60));
            try (LoadBalancer queued = new LoadBalancer(TestConfigs.single(pool)
                    .withLimits(LimitsConfig.DEFAULTS.withMaxPendingPerBackend(1))
                    .withAdmin(new AdminConfig(new Endpoint("127.0.0.1", 0), null))).start()) {
                for (int i = 0; i < 3; i++) {
                    Socket c = new Socket(InetAddress.getLoopbackAddress(), queued.port());
                    clients.add(c);
                    c.getOutputStream().write("GET / HTTP/1.1\r\nHost: h\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                }
                String admin = "http://127.0.0.1:" + queued.adminAddress().getPort();
                await().atMost(Duration.ofSeconds(20)).until(() -> Cli.run("status", "--admin", admin).out()
                        .matches("(?s).*\napp +b1 +UP +1 +100\\.0% +3 \\(2 waiting\\) +3 +0 +0\n.*"));
                // The clients leave before the load balancer closes, so its drain finds nothing in flight.
                for (Socket c : clients) {
                    c.close();
                }
            }
        } finally {
            for (Socket c : clients) {
                c.close();
            }
        }
    }

    @Test
    void openWebSocketTunnelsAreNamedInTheInFlightColumn() throws Exception {
        try (io.stickylb.testing.RawHttp ws = new io.stickylb.testing.RawHttp(lb.port())) {
            ws.send("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
            assertThat(ws.read().status()).isEqualTo(101);
            String out = Cli.run("status", "--admin", url).out();
            assertThat(out).containsPattern("app +b[12] +UP +1 +100\\.0% +1 \\(1 ws\\) +1 +0 +0");
        }
    }

    // ---- watch -----------------------------------------------------------------------------------------------------

    @Test
    void watchRedrawsInPlaceForCountRefreshes() throws Exception {
        requests(2);
        Cli.Result r = Cli.run("status", "--admin", url, "--watch", "--interval", "100ms", "--count", "2",
                "--color", "always");

        assertThat(r.exitCode()).isZero();
        assertThat(r.err()).isEmpty();
        String[] screens = r.out().split(java.util.regex.Pattern.quote(Ansi.CLEAR), -1);
        assertThat(screens).hasSize(3); // nothing before the first clear, then two screens
        assertThat(screens[0]).isEmpty();
        assertThat(Ansi.visible(screens[1])).contains("lb status  " + url + "  every 100ms")
                .contains("SHARE: of all requests").containsPattern("b1 +UP +1 +50\\.0%");
        // No request between the two refreshes: no share to show.
        assertThat(Ansi.visible(screens[2])).contains("SHARE: since the previous refresh")
                .containsPattern("b1 +UP +1 +- ");
    }

    @Test
    void watchSharesTheRequestsSinceThePreviousRefreshAndStopsWithZero() throws Exception {
        requests(2);
        try (Cli.Background watch = new Cli.Background("status", "--admin", url, "--watch", "--interval", "200ms")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> screens(watch.out()).size() >= 1);
            assertThat(screens(watch.out()).get(0)).containsPattern("b1 +UP +1 +50\\.0%")
                    .containsPattern("b2 +UP +1 +50\\.0%");

            pool().setState("b2", BackendState.MAINTENANCE, "test");
            requests(3);
            await().atMost(Duration.ofSeconds(10)).until(() -> screens(watch.out()).stream()
                    .anyMatch(s -> s.matches("(?s).*b1 +UP +1 +100\\.0% +0 +4 .*b2 +MAINTENANCE +1 +0\\.0% .*")));
            assertThat(watch.finished()).isFalse();

            // What Ctrl-C does through the process's signal handler: a stop request.
            assertThat(watch.stop()).isZero();
            assertThat(watch.out()).doesNotContain(ESC); // not a terminal: no colors, no clearing
            assertThat(watch.err()).isEmpty();
        }
    }

    @Test
    void watchJsonPrintsOneDocumentPerRefresh() throws Exception {
        Cli.Result r = Cli.run("status", "--admin", url, "--watch", "--json", "--interval", "100ms", "--count", "2");
        assertThat(r.exitCode()).isZero();
        String[] lines = lines(r.out());
        assertThat(lines).hasSize(2);
        for (String line : lines) {
            JsonNode json = AdminApi.JSON.readTree(line);
            assertThat(json.get("pools").get(0).get("backends")).hasSize(2);
        }
    }

    @Test
    void watchOptionsAreCheckedAndAnUnreachableApiFailsAtOnce() {
        Cli.Result r = Cli.run("status", "--admin", url, "--count", "2");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("only with --watch");
        r = Cli.run("status", "--admin", url, "--watch", "--interval", "10ms");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("at least 100ms");
        r = Cli.run("status", "--admin", url, "--watch", "--count", "0");
        assertThat(r.exitCode()).isEqualTo(2);

        r = Cli.run("status", "--admin", "http://127.0.0.1:" + Cli.freePort(), "--watch");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: cannot reach the admin API");
    }

    @Test
    void aServerThatIsNotTheAdminApiIsNamedAsSuch() {
        // The proxy's own listener, a likely slip for the admin's port: with no backend it answers a plain-text 503.
        pool().setState("b1", BackendState.MAINTENANCE, "test");
        pool().setState("b2", BackendState.MAINTENANCE, "test");
        String proxy = "http://127.0.0.1:" + lb.port();
        Cli.Result r = Cli.run("status", "--admin", proxy);
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: " + proxy + "/ answered HTTP 503 without a JSON error; is it the "
                + "stickylb admin API?");
    }

    // ---- as a real process: a terminal, a pipe, Ctrl-C -----------------------------------------------------------

    @Test
    void onARealTerminalStatesAreColoredUnlessNoColorIsSet() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "needs util-linux's script to get a terminal");
        pool().setState("b2", BackendState.DRAINING, "test");

        String tty = onTerminal(Map.of(), "status", "--admin", url);
        assertThat(tty).contains(Ansi.GREEN + "UP" + Ansi.RESET).contains(Ansi.YELLOW + "DRAINING" + Ansi.RESET);

        String noColor = onTerminal(Map.of("NO_COLOR", "1"), "status", "--admin", url);
        assertThat(noColor).contains("DRAINING").doesNotContain(ESC);

        Process piped = lb(Map.of(), "status", "--admin", url);
        assertThat(piped.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(piped.exitValue()).isZero();
        assertThat(Files.readString(dir.resolve("out.txt"))).contains("DRAINING").doesNotContain(ESC);
    }

    @Test
    void ctrlCEndsWatchWithExitCodeZero() throws Exception {
        assumeTrue(!System.getProperty("os.name").toLowerCase().startsWith("windows"), "POSIX signals only");
        Process watch = lb(Map.of(), "status", "--admin", url, "--watch", "--interval", "100ms");
        Path out = dir.resolve("out.txt");
        await().atMost(Duration.ofSeconds(30)).until(() -> screens(Files.readString(out)).size() >= 2);

        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(watch.pid())).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();

        assertThat(watch.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(watch.exitValue()).isZero();
        assertThat(Files.readString(out)).doesNotContain("SIGINT").doesNotContain(ESC);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    private static String[] lines(String out) {
        return out.split("\\R");
    }

    /** The watch screens printed so far, each starting at its title line. */
    private static List<String> screens(String out) {
        List<String> screens = new ArrayList<>();
        for (String part : out.split("(?m)^(?=lb status  )")) {
            if (part.startsWith("lb status  ")) {
                screens.add(part);
            }
        }
        return screens;
    }

    private List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx64m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(LbCommand.class.getName());
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }

    /** {@code lb args...} in a child JVM whose output goes to a file (a pipe, not a terminal). */
    private Process lb(Map<String, String> env, String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command(args)).redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.txt").toFile());
        pb.environment().remove("NO_COLOR");
        pb.environment().putAll(env);
        return pb.start();
    }

    /** {@code lb args...} on a pseudo-terminal (util-linux script), returning what it showed. */
    private String onTerminal(Map<String, String> env, String... args) throws Exception {
        StringBuilder line = new StringBuilder();
        for (String a : command(args)) {
            line.append('\'').append(a.replace("'", "'\\''")).append("' ");
        }
        ProcessBuilder pb = new ProcessBuilder("script", "-qefc", line.toString(), "/dev/null")
                .redirectErrorStream(true).redirectOutput(dir.resolve("tty.txt").toFile());
        pb.environment().remove("NO_COLOR");
        pb.environment().put("TERM", "xterm-256color");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String shown = Files.readString(dir.resolve("tty.txt"), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(shown).isZero();
        return shown;
    }
}
