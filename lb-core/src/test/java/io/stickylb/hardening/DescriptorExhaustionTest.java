package io.stickylb.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.management.UnixOperatingSystemMXBean;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendState;
import io.stickylb.config.ActiveHealthConfig;
import io.stickylb.config.HealthConfig;
import io.stickylb.config.PassiveHealthConfig;
import io.stickylb.metrics.ErrorKind;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.BackendProcess;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.io.FileInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The process runs out of file descriptors (EMFILE), as under a connection flood with a low {@code ulimit -n}. Backend
 * connects and health-check connects then fail on this side: the answer is a prompt 503, no backend is charged or
 * ejected for it, and the active health checks carry on once descriptors are free again. Before, healthy backends were
 * ejected one after another, and a check whose socket could not be made ended that backend's checks for good.
 */
class DescriptorExhaustionTest {

    private static final Duration INTERVAL = Duration.ofMillis(100);

    /**
     * In child processes: a backend in this JVM would need a descriptor of its own to accept each connection, and a
     * connect that got through on one freed meanwhile would then hang unanswered.
     */
    private final List<BackendProcess> backends = new ArrayList<>();
    private final List<FileInputStream> hogs = new ArrayList<>();
    private LoadBalancer lb;
    private long softLimit;

    @AfterEach
    void stop() throws Exception {
        releaseDescriptors();
        if (lb != null) {
            lb.close(Duration.ofSeconds(1));
        }
        for (BackendProcess b : backends) {
            b.close();
        }
    }

    @Test
    void outOfDescriptorsAnswers503AndNoBackendIsChargedOrEjected() throws Exception {
        List<Backend> all = start();
        // Connected before the descriptors run out; each answer closes its connection, which gives one back.
        List<RawHttp> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                clients.add(new RawHttp(lb.port()));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> lb.clientConnections() == clients.size());
            exhaustDescriptors();
            List<Integer> statuses = new ArrayList<>();
            for (RawHttp c : clients) {
                RawHttp.Response r = c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read();
                assertThat(r).as("an answer while out of descriptors").isNotNull();
                statuses.add(r.status());
            }
            // A descriptor this JVM gives back meanwhile (the previous test's event loops close theirs as they wind
            // down) lets a connect through, and that request is served: 200 is fine, a 502 charged to a backend not.
            assertThat(statuses).contains(503).allSatisfy(s -> assertThat(s).isIn(200, 503));
            releaseDescriptors();
            assertThat(all).allSatisfy(b -> {
                assertThat(b.stats().errors(ErrorKind.CONNECT)).as("%s charged", b.id()).isZero();
                assertThat(b.ejected()).as("%s ejected", b.id()).isFalse();
                assertThat(b.state()).isEqualTo(BackendState.UP);
            });
            try (RawHttp c = new RawHttp(lb.port())) {
                assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(200);
            }
        } finally {
            for (RawHttp c : clients) {
                c.close();
            }
        }
    }

    @Test
    void healthChecksThatCouldNotOpenASocketCarryOnAndMarkNothing() throws Exception {
        List<Backend> all = start();
        exhaustDescriptors();
        // Let several checks of each backend fall due while no socket can be made.
        Thread.sleep(INTERVAL.toMillis() * 6);
        releaseDescriptors();
        assertThat(all).allSatisfy(b -> assertThat(b.state()).isEqualTo(BackendState.UP));
        long after = System.currentTimeMillis();
        await("health checks still running").atMost(Duration.ofSeconds(5))
                .until(() -> all.stream().allMatch(b -> b.lastCheck().atMillis() > after));
    }

    @Test
    void acceptFailuresAreOneLineInTheLogNotAStackTraceEach() throws Exception {
        start();
        ListAppender<ILoggingEvent> accept = capture("io.stickylb.server.AcceptFailures");
        ListAppender<ILoggingEvent> pipeline = capture("io.netty.channel.DefaultChannelPipeline");
        List<java.net.Socket> waiting = new ArrayList<>();
        try {
            exhaustDescriptors();
            // Each client's own socket takes a descriptor given back just for it, so the listener, in the same
            // process, finds none to accept it with: it waits in the backlog while accepting is retried every second.
            while (waiting.size() < 3) {
                hogs.remove(hogs.size() - 1).close();
                try {
                    waiting.add(new java.net.Socket("127.0.0.1", lb.port()));
                } catch (java.net.SocketException taken) {
                    // a health check took the descriptor first; give back another
                }
            }
            Thread.sleep(2_500);
            releaseDescriptors();
            await().atMost(Duration.ofSeconds(5)).until(() -> lb.clientConnections() == waiting.size());
            assertThat(pipeline.list).as("Netty's unhandled-exception warnings").isEmpty();
            assertThat(accept.list).singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
                    .startsWith("cannot accept client connections: ").contains("Too many open files"));
        } finally {
            for (java.net.Socket s : waiting) {
                s.close();
            }
            ((Logger) LoggerFactory.getLogger("io.stickylb.server.AcceptFailures")).detachAppender(accept);
            ((Logger) LoggerFactory.getLogger("io.netty.channel.DefaultChannelPipeline")).detachAppender(pipeline);
        }
    }

    private static ListAppender<ILoggingEvent> capture(String name) {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        ((Logger) LoggerFactory.getLogger(name)).addAppender(appender);
        return appender;
    }

    /** Two backends with active checks every 100 ms, both checked once already. */
    private List<Backend> start() throws Exception {
        assumeTrue(ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean);
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/prlimit")) && Files.exists(Path.of("/dev/null")),
                "needs prlimit to lower this JVM's descriptor limit");
        for (int i = 0; i < 2; i++) {
            backends.add(new BackendProcess("b" + (i + 1)));
        }
        ActiveHealthConfig active = new ActiveHealthConfig(ActiveHealthConfig.Type.TCP, "/", INTERVAL,
                Duration.ofSeconds(1), 1, 2, 200, 399, null, Duration.ofMillis(10));
        lb = new LoadBalancer(TestConfigs.single(TestConfigs.pool("round-robin", backends.get(0).port(),
                backends.get(1).port()).withHealth(new HealthConfig(active,
                PassiveHealthConfig.DEFAULTS.withConsecutiveFailures(2), 50)))).start();
        List<Backend> all = lb.upstreams().allBackends();
        await().atMost(Duration.ofSeconds(5)).until(() -> all.stream().allMatch(b -> b.lastCheck() != null));
        return all;
    }

    /**
     * Loads every class of the class path's directories first: loading one from a directory opens a file, and a class
     * that failed to load for want of a descriptor would stay broken for the rest of this JVM's tests.
     */
    private static void loadClassesFromDirectories() throws IOException {
        ClassLoader loader = DescriptorExhaustionTest.class.getClassLoader();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path dir = Path.of(entry);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (var files = Files.walk(dir)) {
                for (Path f : (Iterable<Path>) files.filter(x -> x.toString().endsWith(".class"))::iterator) {
                    String name = dir.relativize(f).toString().replace(java.io.File.separatorChar, '.');
                    try {
                        Class.forName(name.substring(0, name.length() - ".class".length()), false, loader);
                    } catch (ClassNotFoundException | LinkageError notNeeded) {
                        // e.g. module-info, or a class whose optional dependency is absent
                    }
                }
            }
        }
    }

    /** Lowers this JVM's soft limit near what it holds, then takes every descriptor left. */
    private void exhaustDescriptors() throws Exception {
        loadClassesFromDirectories();
        UnixOperatingSystemMXBean os = (UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        // The previous test's event loops close their descriptors as they wind down; one freed after the squeeze
        // would let a connect through. Wait until the count holds still.
        long count = os.getOpenFileDescriptorCount();
        for (int still = 0, polls = 0; still < 6 && polls < 100; polls++) {
            Thread.sleep(50);
            long now = os.getOpenFileDescriptorCount();
            still = now == count ? still + 1 : 0;
            count = now;
        }
        softLimit = os.getMaxFileDescriptorCount();
        prlimit(os.getOpenFileDescriptorCount() + 64);
        takeTheRest();
        // A health check under way holds a socket that it closes when it ends, within its 1 s timeout; checks
        // started since cannot open one. Take what the ones under way give back, or the first connect after them
        // would find it (and the fake backend, in this process too, might then find none to accept it with).
        Thread.sleep(1_200);
        takeTheRest();
    }

    private void takeTheRest() {
        try {
            while (hogs.size() < 10_000) {
                hogs.add(new FileInputStream("/dev/null"));
            }
        } catch (IOException outOfDescriptors) {
            assertThat(outOfDescriptors.getMessage()).contains("Too many open files");
        }
    }

    private void releaseDescriptors() throws Exception {
        for (FileInputStream h : hogs) {
            h.close();
        }
        hogs.clear();
        if (softLimit > 0) {
            prlimit(softLimit);
            softLimit = 0;
        }
    }

    private static void prlimit(long soft) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/prlimit", "--pid", Long.toString(ProcessHandle.current().pid()),
                "--nofile=" + soft + ":").redirectErrorStream(true).start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
    }
}
