package io.stickylb.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import io.stickylb.config.ConfigLoader;
import io.stickylb.config.LoadBalancerConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** {@link DescriptorAdvice}: max-connections against the file-descriptor limit, at start and reload. */
class DescriptorAdviceTest {

    @TempDir
    Path dir;

    private IdServer backend;
    private Process process;
    private Path log;

    @AfterEach
    void tearDown() throws InterruptedException {
        Cli.kill(process);
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void theDefaultIsLoweredToWhatFitsAndAChosenValueIsKeptWithAWarning() throws Exception {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        Logger logger = (Logger) LoggerFactory.getLogger("descriptor-advice-test");
        logger.addAppender(logs);
        logger.setLevel(Level.INFO); // the tests' logback setup shows warnings only
        try {
            // Three backends, two workers: 40 open + 3 x 3 + 4 for the loops and listeners + 3 health checks + 2 per
            // client.
            LoadBalancerConfig byDefault = config("workers: 2\n");
            assertThat(DescriptorAdvice.fit(byDefault, 2, 40, 20_056, logger)).as("40 + 13 + 3 + 20,000 fit")
                    .isSameAs(byDefault);
            assertThat(DescriptorAdvice.fit(byDefault, 2, 40, 0, logger)).as("no limit known").isSameAs(byDefault);
            assertThat(logs.list).isEmpty();

            LoadBalancerConfig lowered = DescriptorAdvice.fit(byDefault, 2, 40, 20_000, logger);
            assertThat(lowered.limits().maxConnections()).isEqualTo(9_972);
            assertThat(lowered.limits().maxPendingPerBackend()).isEqualTo(byDefault.limits().maxPendingPerBackend());
            assertThat(lowered.pools()).isEqualTo(byDefault.pools());
            assertThat(logs.list).singleElement().satisfies(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.INFO);
                assertThat(e.getFormattedMessage()).startsWith("limits.max-connections: 9972 instead of the default "
                        + "10000, to fit this process's limit of 20000 open files");
            });

            LoadBalancerConfig chosen = config("workers: 2\nlimits: { max-connections: 12000 }\n");
            assertThat(DescriptorAdvice.fit(chosen, 2, 40, 20_000, logger)).isSameAs(chosen);
            assertThat(logs.list).hasSize(2).last().satisfies(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.WARN);
                assertThat(e.getFormattedMessage()).startsWith("limits.max-connections 12000 may need 24056 file "
                        + "descriptors").endsWith("set limits.max-connections to at most 9972");
            });

            // lb demo: its sample backends hold the other end of each backend connection in the same process.
            logs.list.clear();
            assertThat(DescriptorAdvice.fit(byDefault, 3, 40, 30_056, logger)).as("40 + 13 + 3 + 3 x 10,000 fit")
                    .isSameAs(byDefault);
            assertThat(DescriptorAdvice.fit(byDefault, 3, 40, 20_000, logger).limits().maxConnections())
                    .isEqualTo((20_000 - 56) / 3);
            assertThat(logs.list).singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
                    .startsWith("limits.max-connections: 6648 instead of the default 10000")
                    .contains("3 per client at most"));
        } finally {
            logger.setLevel(null);
            logger.detachAppender(logs);
        }
    }

    @Test
    void lbDemoUnderALowUlimitFitsTheDefaultMaxConnectionsToItsOwnBackendsToo() throws Exception {
        int port = Cli.freePort();
        startUnderUlimit1024("demo", "--port", Integer.toString(port));

        await().atMost(Duration.ofSeconds(30)).until(() -> Http.backendId(port) != null);
        Matcher m = Pattern.compile("INFO .*limits\\.max-connections: (\\d+) instead of the default 10000, to fit "
                + "this process's limit of 1024 open files \\(ulimit -n; 3 per client at most")
                .matcher(Files.readString(log));
        assertThat(m.find()).as("the lowered default in the log:%n%s", Files.readString(log)).isTrue();
        // (1024 - what is open - 3 health checks) / 3: a third of the limit at most, what the sample backends leave
        assertThat(Integer.parseInt(m.group(1))).isBetween(200, 340);
    }

    /** The status line of {@code GET /} on a connection of its own (the shared HTTP client would reuse one). */
    private static String statusOnAFreshConnection(int port) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
    }

    private LoadBalancerConfig config(String extra) throws Exception {
        return ConfigLoader.load(Files.writeString(dir.resolve("c.yaml"), extra
                + "pools:\n"
                + "  app:\n"
                + "    backends:\n"
                + "      - { id: b1, address: 127.0.0.1:9001 }\n"
                + "      - { id: b2, address: 127.0.0.1:9002 }\n"
                + "      - { id: b3, address: 127.0.0.1:9003 }\n"));
    }

    @Test
    void aReloadThatChangesNothingTheAdviceDependsOnDoesNotRepeatIt() throws Exception {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        Logger logger = (Logger) LoggerFactory.getLogger("descriptor-advice-repeat-test");
        logger.addAppender(logs);
        logger.setLevel(Level.INFO);
        try {
            // More clients than any limit here can serve, so the advice has something to say.
            UnaryOperator<LoadBalancerConfig> fit = DescriptorAdvice.atStart(DescriptorAdvice.PER_CLIENT, logger);
            LoadBalancerConfig many = config("workers: 2\nlimits: { max-connections: 100000000 }\n");
            fit.apply(many);
            fit.apply(config("workers: 2\nlimits: { max-connections: 100000000 }\n"));
            assertThat(logs.list).hasSize(1);
            fit.apply(config("workers: 2\nlimits: { max-connections: 200000000 }\n"));
            assertThat(logs.list).hasSize(2);
        } finally {
            logger.setLevel(null);
            logger.detachAppender(logs);
        }
    }

    @Test
    void everyClientTheFittedDefaultAdmitsIsServedWithAllOfThemMidRequest() throws Exception {
        // A backend that holds each request for 2 s, so every client has its backend connection open at once: the
        // worst case the fit promises to survive. Counting the process's own loops and listeners matters here.
        HttpServer slow = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1000);
        ExecutorService threads = Executors.newCachedThreadPool();
        slow.setExecutor(threads);
        slow.createContext("/", exchange -> {
            try {
                Thread.sleep(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        slow.start();
        List<Socket> clients = new ArrayList<>();
        try {
            int port = Cli.freePort();
            Path config = Files.writeString(dir.resolve("lb.yaml"), "listen: 127.0.0.1:" + port + "\n"
                    + "pools: { app: { backends: [ { id: b1, address: \"127.0.0.1:" + slow.getAddress().getPort()
                    + "\" } ] } }\n");
            startUnderUlimit(256, "run", "--config", config.toString(), "--warmup", "0");
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(log).contains("listening on"));
            Matcher m = Pattern.compile("limits\\.max-connections: (\\d+) instead of the default 10000")
                    .matcher(Files.readString(log));
            assertThat(m.find()).as("the lowered default in the log:%n%s", Files.readString(log)).isTrue();
            int fitted = Integer.parseInt(m.group(1));
            for (int i = 0; i < fitted; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
                s.setSoTimeout(15_000);
                clients.add(s);
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            List<String> statuses = new ArrayList<>();
            for (Socket s : clients) {
                statuses.add(new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                        .readLine());
            }
            assertThat(statuses).as("%d clients at once; the log:%n%s", fitted, Files.readString(log))
                    .allSatisfy(line -> assertThat(line).isEqualTo("HTTP/1.1 200 OK"));
        } finally {
            for (Socket s : clients) {
                s.close();
            }
            slow.stop(0);
            threads.shutdownNow();
        }
    }

    @Test
    void lbRunUnderALowUlimitFitsTheDefaultMaxConnectionsToIt() throws Exception {
        int adminPort = Cli.freePort();
        int port = runUnderUlimit1024("admin: { listen: 127.0.0.1:" + adminPort + " }\n");

        await().atMost(Duration.ofSeconds(30)).until(() -> "b1".equals(Http.backendId(port)));
        Matcher m = Pattern.compile("INFO .*limits\\.max-connections: (\\d+) instead of the default 10000, to fit "
                + "this process's limit of 1024 open files").matcher(Files.readString(log));
        assertThat(m.find()).as("the lowered default in the log:%n%s", Files.readString(log)).isTrue();
        int fitted = Integer.parseInt(m.group(1));
        assertThat(fitted).isBetween(300, 511);

        // And it is the limit in force: the connection after the fitted number is refused (one is the check above).
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < fitted - 1; i++) {
                held.add(new Socket(InetAddress.getLoopbackAddress(), port));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> statusOnAFreshConnection(port).contains(" 503 "));
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> "b1".equals(Http.backendId(port)));

        // A reload through the admin API (not only SIGHUP) is fitted the same way.
        Cli.Result reload = Cli.run("reload", "--admin", "http://127.0.0.1:" + adminPort + "/");
        assertThat(reload.exitCode()).as(reload.err()).isZero();
        List<String> fits = Pattern.compile("limits\\.max-connections: (\\d+) instead of the default 10000")
                .matcher(Files.readString(log)).results().map(r -> r.group(1)).toList();
        // Fitted again against what was open at start (the status below), and not said again: nothing changed.
        assertThat(fits).containsExactly(m.group(1));
        assertThat(Cli.run("status", "--admin", "http://127.0.0.1:" + adminPort + "/").out())
                .contains("(max-connections " + fitted + ")");
    }

    @Test
    void aReloadWhileClientsAreConnectedKeepsTheFittedLimit() throws Exception {
        int adminPort = Cli.freePort();
        int port = runUnderUlimit1024("admin: { listen: 127.0.0.1:" + adminPort + " }\n");
        await().atMost(Duration.ofSeconds(30)).until(() -> "b1".equals(Http.backendId(port)));
        String admin = "http://127.0.0.1:" + adminPort + "/";
        Matcher m = Pattern.compile("limits\\.max-connections: (\\d+) instead of the default 10000")
                .matcher(Files.readString(log));
        assertThat(m.find()).as("the lowered default in the log:%n%s", Files.readString(log)).isTrue();
        int fitted = Integer.parseInt(m.group(1));

        // Each is a descriptor of the proxy's; counted as used by the limit, they would lower it by one per two.
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                held.add(new Socket(InetAddress.getLoopbackAddress(), port));
            }
            Pattern open = Pattern.compile("clients: (\\d+) open");
            await().atMost(Duration.ofSeconds(10)).until(() -> open.matcher(Cli.run("status", "--admin", admin).out())
                    .results().anyMatch(r -> Integer.parseInt(r.group(1)) >= held.size()));
            Cli.Result reload = Cli.run("reload", "--admin", admin);
            assertThat(reload.exitCode()).as(reload.err()).isZero();
            assertThat(Cli.run("status", "--admin", admin).out()).contains("(max-connections " + fitted + ")");
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        assertThat(Pattern.compile("limits\\.max-connections: (\\d+) instead of the default 10000")
                .matcher(Files.readString(log)).results().map(r -> r.group(1)))
                .containsExactly(m.group(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> statusOnAFreshConnection(port).contains(" 200 "));
    }

    @Test
    void aMaxConnectionsThatFitsIsLeftAlone() throws Exception {
        int port = runUnderUlimit1024("limits: { max-connections: 100 }\n");

        await().atMost(Duration.ofSeconds(30)).until(() -> "b1".equals(Http.backendId(port)));
        process.destroy(); // SIGTERM: once it has exited, its log is complete
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(log)).contains("stickylb stopped").doesNotContain("file descriptors")
                .doesNotContain("instead of the default");
    }

    /**
     * {@code lb run} in a child JVM whose shell set {@code ulimit -n 1024}: the hard limit too, so the JVM cannot
     * raise it (it raises the soft limit to the hard one by itself). The default max-connections, 10,000, would need
     * about twenty times as many. Returns the port; the output goes to {@link #log}.
     */
    private int runUnderUlimit1024(String limits) throws IOException {
        backend = new IdServer("b1");
        int port = Cli.freePort();
        Path config = Files.writeString(dir.resolve("lb.yaml"), "listen: 127.0.0.1:" + port + "\n" + limits
                + "pools:\n"
                + "  app:\n"
                + "    backends:\n"
                + "      - { id: b1, address: 127.0.0.1:" + backend.port() + " }\n");
        startUnderUlimit1024("run", "--config", config.toString(), "--warmup", "0");
        return port;
    }

    /** {@code lb ARGS} in a child JVM whose shell set {@code ulimit -n 1024}; the output goes to {@link #log}. */
    private void startUnderUlimit1024(String... args) throws IOException {
        startUnderUlimit(1024, args);
    }

    private void startUnderUlimit(int limit, String... args) throws IOException {
        assumeTrue(!System.getProperty("os.name").toLowerCase().startsWith("windows"), "POSIX ulimit only");
        log = dir.resolve("lb.log");
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "ulimit -n " + limit + " && exec \"$@\"", "sh"));
        cmd.addAll(Cli.command(List.of(), args));
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }
}
