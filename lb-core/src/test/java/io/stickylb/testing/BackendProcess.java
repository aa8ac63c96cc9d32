package io.stickylb.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A sample backend in a child JVM, so a test can really kill it with SIGKILL. */
public final class BackendProcess implements AutoCloseable {

    private final Process process;
    private final int port;

    public BackendProcess(String id) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "io.stickylb.sample.SampleBackendMain", "--id", id, "--port", "0"));
        process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        int found = -1;
        while ((line = out.readLine()) != null) {
            int at = line.indexOf(" listening on http://");
            if (at > 0) {
                found = Integer.parseInt(line.substring(line.lastIndexOf(':') + 1).replaceAll("\\D.*", ""));
                break;
            }
        }
        if (found < 0) {
            process.destroyForcibly();
            throw new IOException("sample backend " + id + " did not start");
        }
        port = found;
        Thread drain = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // keep the pipe empty
                }
            } catch (IOException e) {
                // gone
            }
        });
        drain.setDaemon(true);
        drain.start();
    }

    public int port() {
        return port;
    }

    /** SIGKILL: no goodbye, sockets reset by the kernel. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
