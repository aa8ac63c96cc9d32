package io.stickylb.lab;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A throw-away local {@code redis-server} for scenarios whose backends keep sessions in Redis: a free loopback port,
 * no persistence, stopped at the end. {@link #url()} is what the sample backends get as {@code --session-store}.
 */
final class RedisServer implements AutoCloseable {

    private final Process process;
    private final int port;

    private RedisServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Whether a {@code redis-server} binary is on the PATH. */
    static boolean available() {
        return executable() != null;
    }

    static RedisServer start(Path logDir) throws IOException {
        Path binary = executable();
        if (binary == null) {
            throw new LabException("redis-server is not installed (Debian: apt-get install -y redis-server), and the "
                    + "scenario needs it for session-store: redis; or give backends.redis-url");
        }
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = FreePorts.pick();
            Process p = ChildProcesses.start(List.of(binary.toString(), "--port", Integer.toString(port), "--save", "",
                    "--appendonly", "no", "--bind", "127.0.0.1"), logDir.resolve("redis.log"));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (p.isAlive() && System.nanoTime() < deadline) {
                if (ping(port)) {
                    return new RedisServer(p, port);
                }
                sleep(20);
            }
            ChildProcesses.kill(p);
        }
        throw new LabException("redis-server did not start; see " + logDir.resolve("redis.log"));
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** PING over RESP: true when the server answers +PONG. */
    static boolean ping(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(500);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[16];
            int n = in.read(buf);
            return n > 0 && new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        ChildProcesses.stop(process, 3);
    }

    private static Path executable() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir, "redis-server");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        Path sbin = Path.of("/usr/sbin/redis-server");
        return Files.isExecutable(sbin) ? sbin : null;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted", e);
        }
    }
}
