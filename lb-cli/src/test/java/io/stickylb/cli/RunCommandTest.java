package io.stickylb.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.stickylb.config.Endpoint;
import io.stickylb.config.LoadBalancerConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RunCommandTest {

    @TempDir
    Path dir;

    private IdServer b1;
    private IdServer b2;

    @BeforeEach
    void startBackends() throws IOException {
        b1 = new IdServer("b1");
        b2 = new IdServer("b2");
    }

    @AfterEach
    void stopBackends() {
        b1.close();
        b2.close();
    }

    @Test
    void aBadConfigExitsWithTwoAndBindsNothing() throws IOException {
        int port = Cli.freePort();
        Path file = Files.writeString(dir.resolve("bad.yaml"), "listen: 127.0.0.1:" + port + "\n"
                + "pools:\n"
                + "  app:\n"
                + "    backends:\n"
                + "      - { id: b1, address: 127.0.0.1:" + b1.port() + ", weight: 0 }\n");

        Cli.Result r = Cli.run("run", "--config", file.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith(file + ":5: pools.app.backends[0].weight: ");
        assertThat(r.out()).isEmpty();
        assertThat(Http.listening(port)).isFalse();
    }

    @Test
    void anExperimentScenarioIsRecognisedAndNothingStarts() {
        Path file = Cli.configDir().resolve("experiments/failover.yaml");

        Cli.Result r = Cli.run("run", "--config", file.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo(file + ": this is an experiment scenario, not a proxy config; run it with:"
                + " lb experiment --scenario " + file + System.lineSeparator());
    }

    @Test
    void theFilesWarningsAreLoggedAtStart() throws Exception {
        int port = Cli.freePort();
        Path file = Files.writeString(dir.resolve("lb.yaml"), "listen: 127.0.0.1:" + port + "\n"
                + "access-log: { enabled: false }\n"
                + "trusted-proxies: [ 10.0.0.1/8 ]\n"
                + "pools:\n"
                + "  app:\n"
                + "    backends:\n"
                + "      - { id: b1, address: 127.0.0.1:" + b1.port() + " }\n");
        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(RunCommand.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        logger.addAppender(events);
        try (Cli.Background lb = new Cli.Background("run", "--config", file.toString(), "--warmup", "0")) {
            await().atMost(Duration.ofSeconds(20)).until(() -> Http.backendId(port) != null);

            synchronized (events) {
                assertThat(events.list).filteredOn(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
                        .extracting(ILoggingEvent::getFormattedMessage)
                        .contains(file + ":3: trusted-proxies[0]: low address bits of 10.0.0.1/8 are"
                                + " meaningless; it is read as 10.0.0.0/8 (write that, or the address alone for one"
                                + " host)");
            }
            assertThat(lb.stop()).isZero();
        } finally {
            logger.detachAppender(events);
        }
    }

    @Test
    void aMissingConfigFileExitsWithTwo() {
        Cli.Result r = Cli.run("run", "--config", dir.resolve("missing.yaml").toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("missing.yaml").contains("no such file");
    }

    @Test
    void aPortInUseIsOneLineNamingTheAddressAndExitCodeOne() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Path file = config(taken.getLocalPort(), b1);

            Cli.Result r = Cli.run("run", "--config", file.toString());

            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.err()).isEqualTo("error: listen address 127.0.0.1:" + taken.getLocalPort()
                    + " is already in use" + System.lineSeparator());
        }
    }

    @Test
    void aListenAddressThatCannotBeBoundIsOneLineNamingItAndExitCodeOne() throws IOException {
        // 192.0.2.1 (TEST-NET-1) is on no host. Before, the line read "error: bind(..) failed with error(-99): Cannot
        // assign requested address", or "error: UnresolvedAddressException" for a name: neither said which address.
        int port = Cli.freePort();
        Path file = Files.writeString(dir.resolve("lb.yaml"), Files.readString(config(port, b1))
                .replace("listen: 127.0.0.1:" + port, "listen: 192.0.2.1:" + port));

        Cli.Result r = Cli.run("run", "--config", file.toString(), "--warmup", "0");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: listen address 192.0.2.1:" + port + " cannot be bound: ")
                .doesNotContain("bind(..)").hasLineCount(1);

        Cli.Result unresolved = Cli.run("run", "--config", file.toString(), "--warmup", "0",
                "--listen", "no-such-host.invalid:" + port);

        assertThat(unresolved.exitCode()).isEqualTo(1);
        assertThat(unresolved.err()).isEqualTo("error: listen address no-such-host.invalid:" + port + " cannot be"
                + " bound: host name 'no-such-host.invalid' does not resolve" + System.lineSeparator());
    }

    @Test
    void anAdminAddressThatCannotBeBoundIsNamedAndTheClientListenerIsReleased() throws IOException {
        int port = Cli.freePort();
        int adminPort = Cli.freePort();
        Path file = Files.writeString(dir.resolve("lb.yaml"), Files.readString(config(port, b1))
                .replace("shutdown-timeout: 5s\n", "shutdown-timeout: 5s\nadmin: { listen: \"192.0.2.1:"
                        + adminPort + "\", token: t0ken }\n"));

        Cli.Result r = Cli.run("run", "--config", file.toString(), "--warmup", "0");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: admin address 192.0.2.1:" + adminPort + " cannot be bound: ")
                .hasLineCount(1);
        assertThat(Http.listening(port)).isFalse();
    }

    @Test
    void itProxiesUntilStoppedAndThenExitsWithZero() throws Exception {
        int port = Cli.freePort();
        Path file = config(port, b1, b2);

        try (Cli.Background lb = new Cli.Background("run", "--config", file.toString(), "--workers", "2")) {
            await().atMost(Duration.ofSeconds(20)).until(() -> Http.backendId(port) != null);

            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                ids.add(Http.get(port, "/").headers().firstValue("X-Backend-Id").orElseThrow());
            }
            assertThat(ids).containsOnly("b1", "b2");
            assertThat(ids.get(0)).isNotEqualTo(ids.get(1));
            assertThat(ids.get(1)).isNotEqualTo(ids.get(2));

            assertThat(lb.stop()).isZero();
            assertThat(lb.err()).isEmpty();
        }
        assertThat(Http.listening(port)).isFalse();
    }

    @Test
    void listenOnTheCommandLineOverridesTheFile() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Path file = config(taken.getLocalPort(), b1);
            int port = Cli.freePort();

            try (Cli.Background lb = new Cli.Background("run", "--config", file.toString(),
                    "--listen", "127.0.0.1:" + port, "--no-access-log")) {
                await().atMost(Duration.ofSeconds(20)).until(() -> "b1".equals(Http.backendId(port)));
                assertThat(lb.stop()).isZero();
            }
        }
    }

    @Test
    void listenOnTheCommandLineMayNotTakeTheAdminApisAddress() throws Exception {
        int adminPort = Cli.freePort();
        Path file = Files.writeString(dir.resolve("lb.yaml"), "listen: 127.0.0.1:" + Cli.freePort() + "\n"
                + "admin: { listen: 127.0.0.1:" + adminPort + " }\n"
                + "pools: { app: { backends: [ { id: b1, address: 127.0.0.1:" + b1.port() + " } ] } }\n");

        Cli.Result r = Cli.run("run", "--config", file.toString(), "--listen", "127.0.0.1:" + adminPort);

        assertThat(r.exitCode()).isEqualTo(LbCommand.BAD_CONFIG);
        assertThat(r.err()).contains("--listen 127.0.0.1:" + adminPort + " is the admin API's address (admin.listen in "
                + file + "); give the client listener a port of its own");
    }

    @Test
    void aReloadThroughTheAdminApiKeepsTheCommandLinesOverrides() throws Exception {
        int filePort = Cli.freePort();
        int port = Cli.freePort();
        int adminPort = Cli.freePort();
        Path file = Files.writeString(dir.resolve("lb.yaml"), "listen: 127.0.0.1:" + filePort + "\nworkers: 2\n"
                + "admin: { listen: 127.0.0.1:" + adminPort + " }\n"
                + "pools: { app: { backends: [ { id: b1, address: 127.0.0.1:" + b1.port() + " } ] } }\n");

        try (Cli.Background lb = new Cli.Background("run", "--config", file.toString(), "--listen",
                "127.0.0.1:" + port, "--workers", "1", "--no-access-log", "--warmup", "0")) {
            await().atMost(Duration.ofSeconds(20)).until(() -> "b1".equals(Http.backendId(port)));
            HttpResponse<String> reply = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + adminPort + "/api/reload")).POST(BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
            com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(reply.body());
            assertThat(json.get("warnings")).as("no restart needed: the overrides still hold").isNotNull().isEmpty();
            assertThat(lb.stop()).isZero();
        }
    }

    @Test
    void reloadAppliesAValidFileAndKeepsTheOldConfigForAnInvalidOne() throws Exception {
        int port = Cli.freePort();
        Path file = config(port, b1);

        try (Cli.Background lb = new Cli.Background("run", "--config", file.toString())) {
            await().atMost(Duration.ofSeconds(20)).until(() -> "b1".equals(Http.backendId(port)));

            config(port, b1, b2);
            lb.lifecycle.requestReload();
            await().atMost(Duration.ofSeconds(10)).until(() -> "b2".equals(Http.backendId(port)));

            Files.writeString(file, "listen: 127.0.0.1:" + port + "\npools: {}\n");
            lb.lifecycle.requestReload();
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < 6; i++) {
                seen.add(Http.backendId(port));
            }
            assertThat(seen).containsExactlyInAnyOrder("b1", "b2");
            assertThat(lb.finished()).isFalse();

            assertThat(lb.stop()).isZero();
        }
    }

    @Test
    void commandLineOptionsOverrideTheFile() throws Exception {
        Path file = config(8080, b1);
        CommandLine cl = LbCommand.commandLine(new LbCommand(Lifecycle.manual()));
        cl.parseArgs("run", "--config", file.toString(), "--listen", "[::1]:9999", "--workers", "3",
                "--no-access-log");
        RunCommand run = cl.getSubcommands().get("run").getCommand();

        LoadBalancerConfig cfg = run.load();

        assertThat(cfg.listen()).isEqualTo(new Endpoint("::1", 9999));
        assertThat(cfg.workers()).isEqualTo(3);
        assertThat(cfg.accessLog().enabled()).isFalse();

        cl.parseArgs("run", "--config", file.toString(), "--workers", "auto");
        RunCommand auto = cl.getSubcommands().get("run").getCommand();
        assertThat(auto.load().workers()).isZero();
        assertThat(auto.load().listen()).isEqualTo(new Endpoint("127.0.0.1", 8080));
    }

    @Test
    void theWarmupRunsBesideServingAndNeverReachesTheBackends() throws Exception {
        int port = Cli.freePort();
        Path file = config(port, b1);
        try (WarmupLog warmupLog = new WarmupLog();
             Cli.Background lb = new Cli.Background("run", "--config", file.toString(), "--warmup", "1s")) {
            await().atMost(Duration.ofSeconds(20)).until(() -> "b1".equals(Http.backendId(port)));
            await().atMost(Duration.ofSeconds(20)).until(warmupLog::done);
            await("one full collection after the warm-up").atMost(Duration.ofSeconds(20))
                    .until(warmupLog::settled);

            assertThat(b1.hosts()).isNotEmpty().allMatch(h -> h.equals("127.0.0.1:" + port));
            assertThat(lb.stop()).isZero();
        }
    }

    @Test
    void readyIs503WhileTheWarmupRunsAnd200OnceItIsOver() throws Exception {
        int adminPort = Cli.freePort();
        Path file = Files.writeString(dir.resolve("admin.yaml"), Files.readString(config(0, b1))
                + "admin: { listen: 127.0.0.1:" + adminPort + " }\n");
        try (WarmupLog warmupLog = new WarmupLog();
             Cli.Background lb = new Cli.Background("run", "--config", file.toString(), "--warmup", "3s")) {
            await().atMost(Duration.ofSeconds(20)).until(() -> Http.listening(adminPort));
            List<Integer> seen = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                HttpResponse<String> r = Http.get(adminPort, "/ready");
                seen.add(r.statusCode());
                return r.statusCode() == 200;
            });
            assertThat(seen.get(0)).as("the first answer, while warming up").isEqualTo(503);
            assertThat(warmupLog.done()).as("ready only once the warm-up proper was over").isTrue();
            assertThat(lb.stop()).isZero();
        }
    }

    @Test
    void aStopDuringTheWarmupEndsItQuietlyBeforeTheEventLoopsClose() throws Exception {
        Path file = config(0, b1);
        try (WarmupLog warmupLog = new WarmupLog();
             Cli.Background lb = new Cli.Background("run", "--config", file.toString(), "--warmup", "60s")) {
            await().atMost(Duration.ofSeconds(20)).until(() -> Thread.getAllStackTraces().keySet().stream()
                    .anyMatch(t -> t.getName().startsWith("stickylb-warmup-client")));

            assertThat(lb.stop()).isZero();

            assertThat(warmupLog.stopped()).isTrue();
            assertThat(warmupLog.loggedBefore("JIT warm-up stopped", "stickylb stopped"))
                    .as("the warm-up's own instance closed before the proxy's event loops").isTrue();
            assertThat(warmupLog.endedEarly()).isFalse();
            assertThat(warmupLog.settled()).as("no collection on the way out").isFalse();
        }
        assertThat(b1.hosts()).as("the warm-up never reaches a backend").isEmpty();
    }

    @Test
    void exitAfterWarmupStopsCleanlyOnceTheWarmupIsOverForTheArchiveTrainingRun() throws Exception {
        Path file = config(0, b1);
        try (WarmupLog warmupLog = new WarmupLog();
             Cli.Background lb = new Cli.Background("run", "--config", file.toString(), "--warmup", "500ms",
                     "--exit-after-warmup")) {
            await().atMost(Duration.ofSeconds(30)).until(lb::finished);

            assertThat(warmupLog.done()).isTrue();
            assertThat(warmupLog.settled()).as("no collection before exiting").isFalse();
            assertThat(lb.stop()).isZero();
        }
        try (Cli.Background noWarmup = new Cli.Background("run", "--config", file.toString(), "--warmup", "0",
                "--exit-after-warmup")) {
            await().atMost(Duration.ofSeconds(30)).until(noWarmup::finished);
            assertThat(noWarmup.stop()).isZero();
        }
        assertThat(b1.hosts()).as("the warm-up never reaches a backend").isEmpty();
        assertThat(Cli.run("run", "--help").out()).as("a build option, not in the help")
                .doesNotContain("exit-after-warmup");
    }

    @Test
    void theWarmupMayTakeUpToThirtySecondsByDefaultTurnsOffWithZeroAndRefusesMoreThanAMinute() throws Exception {
        Path file = config(8080, b1);
        CommandLine cl = LbCommand.commandLine(new LbCommand(Lifecycle.manual()));
        cl.parseArgs("run", "--config", file.toString());
        RunCommand run = cl.getSubcommands().get("run").getCommand();
        assertThat(run.warmup).isEqualTo(Duration.ofSeconds(30));

        cl.parseArgs("run", "--config", file.toString(), "--warmup", "0");
        assertThat(((RunCommand) cl.getSubcommands().get("run").getCommand()).warmup).isZero();

        Cli.Result tooLong = Cli.run("run", "--config", file.toString(), "--warmup", "2m");
        assertThat(tooLong.exitCode()).isEqualTo(2);
        assertThat(tooLong.err()).contains("--warmup").contains("up to 1m");

        Cli.Result notADuration = Cli.run("run", "--config", file.toString(), "--warmup", "soon");
        assertThat(notADuration.exitCode()).isEqualTo(2);
        assertThat(notADuration.err()).contains("'soon' is not a duration");
    }

    /** Captures the INFO log of the JIT warm-up, of the heap settling after it and of the proxy while open. */
    private static final class WarmupLog implements AutoCloseable {
        private final List<ch.qos.logback.classic.Logger> loggers = Stream.of(io.stickylb.warmup.JitWarmup.class,
                        io.stickylb.warmup.HeapSettler.class, io.stickylb.server.LoadBalancer.class)
                .map(c -> (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(c)).toList();
        private final List<ch.qos.logback.classic.Level> before = loggers.stream()
                .map(ch.qos.logback.classic.Logger::getLevel).toList();
        private final ListAppender<ILoggingEvent> events = new ListAppender<>();

        WarmupLog() {
            events.start();
            for (ch.qos.logback.classic.Logger logger : loggers) {
                logger.setLevel(ch.qos.logback.classic.Level.INFO);
                logger.addAppender(events);
            }
        }

        boolean done() {
            return logged("JIT warm-up done: ");
        }

        boolean settled() {
            return logged("heap settled after the warm-up: ");
        }

        boolean stopped() {
            return logged("JIT warm-up stopped after ");
        }

        boolean endedEarly() {
            return logged("JIT warm-up ended early ");
        }

        /** Whether a message starting with {@code first} was logged before one starting with {@code then}. */
        boolean loggedBefore(String first, String then) {
            synchronized (events) {
                List<String> messages = events.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
                int a = -1;
                int b = -1;
                for (int i = 0; i < messages.size(); i++) {
                    if (a < 0 && messages.get(i).startsWith(first)) {
                        a = i;
                    }
                    if (b < 0 && messages.get(i).startsWith(then)) {
                        b = i;
                    }
                }
                return a >= 0 && b >= 0 && a < b;
            }
        }

        private boolean logged(String start) {
            // Appended to from the warm-up thread, under the appender's own lock (AppenderBase.doAppend).
            synchronized (events) {
                return List.copyOf(events.list).stream().anyMatch(e -> e.getFormattedMessage().startsWith(start));
            }
        }

        @Override
        public void close() {
            for (int i = 0; i < loggers.size(); i++) {
                loggers.get(i).detachAppender(events);
                loggers.get(i).setLevel(before.get(i));
            }
        }
    }

    /** Writes dir/lb.yaml: listen on 127.0.0.1:port, one round-robin pool "app" over the given backends. */
    private Path config(int port, IdServer... backends) throws IOException {
        StringBuilder yaml = new StringBuilder("listen: 127.0.0.1:" + port + "\n"
                + "shutdown-timeout: 5s\n"
                + "access-log: { enabled: false }\n"
                + "pools:\n"
                + "  app:\n"
                + "    strategy: round-robin\n"
                + "    backends:\n");
        int n = 1;
        for (IdServer b : backends) {
            yaml.append("      - { id: b").append(n++).append(", address: 127.0.0.1:").append(b.port()).append(" }\n");
        }
        return Files.writeString(dir.resolve("lb.yaml"), yaml);
    }
}
