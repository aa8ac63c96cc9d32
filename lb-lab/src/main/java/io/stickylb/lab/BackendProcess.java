package io.stickylb.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A sample backend in a child JVM, so a {@code kill} fault is a real SIGKILL: its in-memory sessions die with it and
 * its connections reset. Started from {@code sample-backend/target/sample-backend.jar} (or the jar named by the
 * system property {@value #JAR_PROPERTY}), else from the lab's own class path, which holds the sample backend too.
 */
final class BackendProcess implements LabBackend {

    static final String JAR_PROPERTY = "stickylb.lab.backend-jar";
    static final String MAIN_CLASS = "io.stickylb.sample.SampleBackendMain";
    private static final long START_TIMEOUT_NANOS = 20_000_000_000L;

    private final String id;
    private final int port;
    private final Process process;

    private BackendProcess(String id, int port, Process process) {
        this.id = id;
        this.port = port;
        this.process = process;
    }

    /**
     * Starts a backend with {@code args} (everything after the JVM part: id, {@code --port 0}, capacity, store),
     * reads the port it bound from its {@code listening on http://HOST:PORT} line, and waits until it is healthy.
     */
    static BackendProcess start(String id, List<String> backendArgs, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(javaCommand());
        cmd.addAll(backendArgs);
        Files.deleteIfExists(log);
        Process p = ChildProcesses.start(cmd, log);
        long deadline = System.nanoTime() + START_TIMEOUT_NANOS;
        int port = -1;
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new LabException("backend " + id + " exited with code " + p.exitValue() + " at start; see " + log
                        + tail(log));
            }
            if (port < 0) {
                port = listeningPort(log);
            }
            if (port > 0 && HealthControl.healthy(port)) {
                return new BackendProcess(id, port, p);
            }
            RedisServer.sleep(25);
        }
        ChildProcesses.kill(p);
        throw new LabException("backend " + id + " did not become healthy within 20s; see " + log + tail(log));
    }

    private static final java.util.regex.Pattern LISTENING =
            java.util.regex.Pattern.compile("listening on http://[^\\s]*:(\\d+)");

    /** The port from the backend's {@code listening on http://HOST:PORT} line, or -1 while it has not printed it. */
    private static int listeningPort(Path log) throws IOException {
        if (!Files.exists(log)) {
            return -1;
        }
        java.util.regex.Matcher m = LISTENING.matcher(Files.readString(log));
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** {@code java [jvm options] -jar sample-backend.jar} or {@code java [jvm options] -cp <class path> main}. */
    static List<String> javaCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Small, quick-starting JVMs: the backends do little work, and a short run should not be spent compiling.
        cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k"));
        Path jar = jar();
        if (jar != null) {
            cmd.addAll(List.of("-jar", jar.toString()));
        } else {
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), MAIN_CLASS));
        }
        return cmd;
    }

    private static Path jar() {
        String configured = System.getProperty(JAR_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured);
            if (!Files.isRegularFile(p)) {
                throw new LabException("-D" + JAR_PROPERTY + "=" + configured + ": no such file");
            }
            return p;
        }
        Path local = Path.of("sample-backend", "target", "sample-backend.jar");
        return Files.isRegularFile(local) ? local.toAbsolutePath() : null;
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return lines.isEmpty() ? "" : ":\n  " + String.join("\n  ",
                    lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public void kill() {
        ChildProcesses.kill(process);
    }

    @Override
    public void stop() {
        ChildProcesses.stop(process, 5);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            ChildProcesses.kill(process);
        }
    }
}
