package io.stickylb.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.UnixOperatingSystemMXBean;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendState;
import io.stickylb.config.ActiveHealthConfig;
import io.stickylb.config.HealthConfig;
import io.stickylb.config.PassiveHealthConfig;
import io.stickylb.metrics.ErrorKind;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
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

/**
 * The process runs out of file descriptors (EMFILE), as under a connection flood with a low {@code ulimit -n}. Backend
 * connects and health-check connects then fail on this side: the answer is a prompt 503, no backend is charged or
 * ejected for it, and the active health checks carry on once descriptors are free again. Before, healthy backends were
 * ejected one after another, and a check whose socket could not be made ended that backend's checks for good.
 */
class DescriptorExhaustionTest {

    private static final Duration INTERVAL = Duration.ofMillis(100);

    private final List<FakeBackend> backends = new ArrayList<>();
    private final List<FileInputStream> hogs = new ArrayList<>();
    private LoadBalancer lb;
    private long softLimit;

    @AfterEach
    void stop() throws Exception {
        releaseDescriptors();
        if (lb != null) {
            lb.close(Duration.ofSeconds(1));
        }
        for (FakeBackend b : backends) {
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
            for (RawHttp c : clients) {
                RawHttp.Response r = c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read();
                assertThat(r).as("an answer while out of descriptors").isNotNull();
                assertThat(r.status()).isEqualTo(503);
            }
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

    /** Two backends with active checks every 100 ms, both checked once already. */
    private List<Backend> start() throws Exception {
        assumeTrue(ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean);
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/prlimit")) && Files.exists(Path.of("/dev/null")),
                "needs prlimit to lower this JVM's descriptor limit");
        for (int i = 0; i < 2; i++) {
            backends.add(FakeBackend.ok("ok"));
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
        softLimit = os.getMaxFileDescriptorCount();
        prlimit(os.getOpenFileDescriptorCount() + 64);
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
