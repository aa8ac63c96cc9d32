package io.stickylb.testing;

import io.stickylb.server.LoadBalancer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the proxy in a child JVM with its own heap limit (e.g. -Xmx64m), so tests can prove memory stays bounded: a
 * proxy that buffered whole bodies would die of OutOfMemoryError there. The child exits when its stdin closes.
 */
public final class ProxyProcess implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path log;

    public ProxyProcess(List<String> jvmArgs, int... backendPorts) throws IOException {
        log = Files.createTempFile("stickylb-proxy", ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        for (int p : backendPorts) {
            cmd.add(Integer.toString(p));
        }
        process = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        while (line != null && !line.startsWith("PORT=")) {
            line = out.readLine();
        }
        if (line == null || !line.startsWith("PORT=")) {
            throw new IOException("proxy process did not start: " + line + "\n" + Files.readString(log));
        }
        port = Integer.parseInt(line.substring(5));
        // Keep draining the child's stdout so its logging can never block on a full pipe.
        Thread drainer = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // discard
                }
            } catch (IOException e) {
                // child gone
            }
        }, "proxy-stdout");
        drainer.setDaemon(true);
        drainer.start();
    }

    public int port() {
        return port;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** What the child wrote on stderr (its log, and any OutOfMemoryError). */
    public String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws Exception {
        process.getOutputStream().close();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        Files.deleteIfExists(log);
    }

    /** The child's entry point: round robin over the given backend ports, one worker, prints its port. */
    public static final class Main {
        public static void main(String[] args) throws IOException {
            int[] ports = new int[args.length];
            for (int i = 0; i < args.length; i++) {
                ports[i] = Integer.parseInt(args[i]);
            }
            LoadBalancer lb = new LoadBalancer(TestConfigs.roundRobin(ports).withWorkers(1)).start();
            System.out.println("PORT=" + lb.port());
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the parent to close stdin
            }
            lb.close(java.time.Duration.ofSeconds(1));
        }
    }
}
