package io.stickylb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.ProxyProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bodies stream through a proxy whose JVM has only 64 MiB of heap and 64 MiB of direct memory: 1 GiB up, 1 GiB down,
 * and slow readers on either side. A proxy that aggregated bodies or ignored backpressure would run out of memory.
 */
class StreamingTest {

    private static final long GIB = 1L << 30;
    private static final byte[] CHUNK = new byte[64 * 1024];

    private static FakeBackend backend;
    private static ProxyProcess proxy;

    @BeforeAll
    static void start() throws IOException {
        backend = new FakeBackend((req, out, s) -> {
            String target = req.requestLine().split(" ")[1];
            if (target.startsWith("/bytes/")) {
                long n = Long.parseLong(target.substring(7));
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + n + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                for (long left = n; left > 0; left -= CHUNK.length) {
                    out.write(CHUNK, 0, (int) Math.min(CHUNK.length, left));
                }
            } else {
                String count = Long.toString(req.bodyLength());
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + count.length() + "\r\n\r\n" + count)
                        .getBytes(StandardCharsets.US_ASCII));
            }
            return true;
        }, true);
        proxy = new ProxyProcess(List.of("-Xmx64m", "-XX:MaxDirectMemorySize=64m",
                "-XX:+ExitOnOutOfMemoryError", "-Dio.netty.leakDetection.level=simple"), backend.port());
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        backend.close();
    }

    private static Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 5000);
        s.setSoTimeout(60_000);
        return s;
    }

    /** Reads a response head and returns its Content-Length. */
    private static long readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed in head: " + head);
            }
            head.append((char) c);
        }
        assertThat(head.toString()).startsWith("HTTP/1.1 200");
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                return Long.parseLong(line.substring(15).trim());
            }
        }
        throw new IOException("no content-length in " + head);
    }

    private static long drain(InputStream in, long n) throws IOException {
        byte[] buf = new byte[256 * 1024];
        long got = 0;
        while (got < n) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n - got));
            if (r < 0) {
                break;
            }
            got += r;
        }
        return got;
    }

    @Test
    void oneGibDownloadStreamsThroughA64MiBProxy() throws Exception {
        try (Socket s = connect()) {
            s.getOutputStream().write(("GET /bytes/" + GIB + " HTTP/1.1\r\nHost: h\r\n\r\n").getBytes());
            InputStream in = s.getInputStream();
            assertThat(readHead(in)).isEqualTo(GIB);
            assertThat(drain(in, GIB)).isEqualTo(GIB);
        }
        assertThat(proxy.isAlive()).as(proxy.log()).isTrue();
    }

    @Test
    void oneGibUploadStreamsThroughA64MiBProxy() throws Exception {
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: " + GIB + "\r\n\r\n").getBytes());
            for (long left = GIB; left > 0; left -= CHUNK.length) {
                out.write(CHUNK, 0, (int) Math.min(CHUNK.length, left));
            }
            out.flush();
            InputStream in = s.getInputStream();
            long len = readHead(in);
            assertThat(new String(in.readNBytes((int) len), StandardCharsets.US_ASCII)).isEqualTo(Long.toString(GIB));
        }
        assertThat(proxy.isAlive()).as(proxy.log()).isTrue();
    }

    @Test
    void aSlowBackendPausesTheUploadingClientInsteadOfFillingTheProxy() throws Exception {
        long size = 512L << 20;
        // A backend that reads the first MiB, stalls, then reads the rest and answers with the count.
        try (ServerSocket slow = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             ProxyProcess p = new ProxyProcess(List.of("-Xmx64m", "-XX:MaxDirectMemorySize=64m",
                     "-XX:+ExitOnOutOfMemoryError"), slow.getLocalPort())) {
            Thread server = new Thread(() -> {
                try (Socket b = slow.accept()) {
                    b.setReceiveBufferSize(64 * 1024);
                    InputStream in = b.getInputStream();
                    readRequestHead(in);
                    long got = drain(in, 1 << 20);
                    Thread.sleep(1500);
                    got += drain(in, size - got);
                    String count = Long.toString(got);
                    b.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: " + count.length() + "\r\n\r\n"
                            + count).getBytes(StandardCharsets.US_ASCII));
                } catch (Exception e) {
                    // the test's assertions report the failure
                }
            });
            server.start();
            try (Socket s = new Socket("127.0.0.1", p.port())) {
                s.setSoTimeout(60_000);
                OutputStream out = s.getOutputStream();
                out.write(("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: " + size + "\r\n\r\n").getBytes());
                for (long left = size; left > 0; left -= CHUNK.length) {
                    out.write(CHUNK, 0, (int) Math.min(CHUNK.length, left));
                }
                InputStream in = s.getInputStream();
                long len = readHead(in);
                assertThat(new String(in.readNBytes((int) len), StandardCharsets.US_ASCII))
                        .isEqualTo(Long.toString(size));
            }
            server.join(10_000);
            assertThat(p.isAlive()).as(p.log()).isTrue();
        }
    }

    private static void readRequestHead(InputStream in) throws IOException {
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed in head");
            }
            state = (c == '\r' && state % 2 == 0) || (c == '\n' && state % 2 == 1) ? state + 1 : 0;
        }
    }

    @Test
    void aSlowClientPausesTheBackendInsteadOfFillingTheProxy() throws Exception {
        long size = 512L << 20;
        try (Socket s = connect()) {
            s.setReceiveBufferSize(64 * 1024);
            s.getOutputStream().write(("GET /bytes/" + size + " HTTP/1.1\r\nHost: h\r\n\r\n").getBytes());
            InputStream in = s.getInputStream();
            assertThat(readHead(in)).isEqualTo(size);
            assertThat(drain(in, 1 << 20)).isEqualTo(1 << 20);
            // A fast backend would push hundreds of MiB into the proxy during this pause without backpressure.
            Thread.sleep(1500);
            assertThat(proxy.isAlive()).as(proxy.log()).isTrue();
            assertThat(drain(in, size - (1 << 20))).isEqualTo(size - (1 << 20));
        }
        assertThat(proxy.log()).doesNotContain("OutOfMemoryError");
    }
}
