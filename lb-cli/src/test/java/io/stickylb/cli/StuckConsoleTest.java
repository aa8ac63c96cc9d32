package io.stickylb.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lb run} as a real process whose standard output nobody reads (a paused pager, a log shipper that stopped):
 * once the pipe is full, warnings logged on the event loop must not stall it.
 */
class StuckConsoleTest {

    @TempDir
    Path dir;

    private IdServer backend;
    private Process process;
    private BufferedReader out;

    @AfterEach
    void tearDown() throws InterruptedException {
        Cli.kill(process);
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void theEventLoopKeepsServingWhileItsLogLinesPileUpInAFullPipe() throws Exception {
        int port = startWithAFullPipe();

        HttpResponse<String> r = Http.get(port, "/"); // times out after 5 s if the loop is stuck writing a line
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("b1");

        CompletableFuture<String> rest = CompletableFuture.supplyAsync(() -> out.lines()
                .collect(Collectors.joining("\n")));
        // SIGTERM by kill, not destroy(), which would close the pipe read here. The shutdown's own lines carry the
        // report of what was dropped.
        Cli.signal(process, "TERM");
        String tail = rest.get(30, TimeUnit.SECONDS); // read to the end before the JVM's reaper closes the pipe
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
        assertThat(tail).containsPattern("WARN +\\d+ log lines dropped: the console did not take them");
        assertThat(tail).contains("stickylb stopped");
    }

    @Test
    void sigtermStillStopsItWhileNobodyReadsThePipe() throws Exception {
        int port = startWithAFullPipe();

        Cli.signal(process, "TERM");

        // The lines still queued are given up after a second; a console that never drains must not keep it alive.
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exited although its console is stuck").isTrue();
        assertThat(process.exitValue()).isZero();
        assertThat(Http.listening(port)).isFalse();
    }

    /**
     * Starts {@code lb run} with debug logging, reads its output until it listens, then stops reading and sends it
     * 3000 malformed requests: each a debug line from the event loop (about 100 bytes, and an access line too),
     * several times what a pipe holds (64 KiB on Linux). Returns the port.
     */
    private int startWithAFullPipe() throws IOException {
        assumeTrue(!System.getProperty("os.name").toLowerCase().startsWith("windows"), "POSIX pipes only");
        backend = new IdServer("b1");
        int port = Cli.freePort();
        Path config = Files.writeString(dir.resolve("lb.yaml"), "listen: 127.0.0.1:" + port + "\n"
                + "workers: 1\n"
                + "pools:\n"
                + "  app:\n"
                + "    backends:\n"
                + "      - { id: b1, address: 127.0.0.1:" + backend.port() + " }\n");
        process = lbWithLogbackOwnSetup("run", "--config", config.toString(), "--warmup", "0", "--log-level", "debug");
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        awaitLine(out, "stickylb listening on");
        for (int i = 0; i < 3000; i++) {
            try (Socket s = new Socket()) {
                // A loop stuck in a write stops accepting too: the listen queue fills and connects time out.
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
                s.getOutputStream().write("NOT A REQUEST\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
        }
        return port;
    }

    private static void awaitLine(BufferedReader out, String text) throws IOException {
        List<String> seen = new ArrayList<>();
        for (String line; (line = out.readLine()) != null; ) {
            if (line.contains(text)) {
                return;
            }
            seen.add(line);
        }
        throw new AssertionError("lb ended before printing '" + text + "':\n" + String.join("\n", seen));
    }

    /**
     * {@code lb args...} in a child JVM without the test class path, so the command configures its own logging as
     * it does in production (a logback-test.xml would win over it); standard output is a pipe to this test.
     */
    private static Process lbWithLogbackOwnSetup(String... args) throws IOException {
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.contains("test-classes") && !e.endsWith("-tests.jar"))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-cp", classPath, LbCommand.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }
}
