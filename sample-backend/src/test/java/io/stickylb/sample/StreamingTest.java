package io.stickylb.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.sample.testing.PatternInputStream;
import io.stickylb.sample.testing.TestHttp;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class StreamingTest {

    private static final long MIB = 1024 * 1024;

    private static SampleBackend backend;
    private static String url;

    @BeforeAll
    static void start() {
        backend = SampleBackend.startNew("b1");
        url = backend.baseUrl();
    }

    @AfterAll
    static void stop() {
        backend.stop();
    }

    @Test
    void bytesStreamsExactlyNBytesWithContentLength() throws Exception {
        long n = 64 * MIB + 17;
        HttpResponse<InputStream> r = TestHttp.CLIENT.send(
                HttpRequest.newBuilder(URI.create(url + "/bytes?n=" + n)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValueAsLong("content-length")).hasValue(n);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/octet-stream");
        assertThat(count(r.body(), null)).isEqualTo(n);
    }

    @Test
    void bytesWithZeroOrInvalidN() {
        HttpResponse<String> empty = TestHttp.get(url + "/bytes?n=0");
        assertThat(empty.statusCode()).isEqualTo(200);
        assertThat(empty.body()).isEmpty();
        assertThat(TestHttp.get(url + "/bytes?n=-5").statusCode()).isEqualTo(400);
        assertThat(TestHttp.get(url + "/bytes").statusCode()).isEqualTo(400);
    }

    @Test
    void echoStreamsALargeChunkedBodyBack() throws Exception {
        long n = 64 * MIB + 5;
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            // Full duplex, as a proxy is: the echo comes back while the upload is still going.
            CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> uploadChunked(out, n));
            InputStream in = socket.getInputStream();
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 200 OK").containsIgnoringCase("transfer-encoding: chunked");
            CRC32 got = new CRC32();
            assertThat(count(new ChunkedInputStream(in), got)).isEqualTo(n);
            upload.get();
            assertThat(got.getValue()).isEqualTo(crcOfPattern(n));
        }
    }

    @Test
    void echoKeepsTheContentLengthOfTheRequest() throws Exception {
        long n = 64 * MIB;
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-test\r\nContent-Length: " + n
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> upload(out, n));
            InputStream in = socket.getInputStream();
            String head = readHead(in);
            assertThat(head).containsIgnoringCase("content-length: " + n)
                    .containsIgnoringCase("content-type: application/x-test")
                    .doesNotContainIgnoringCase("transfer-encoding");
            CRC32 got = new CRC32();
            assertThat(count(new BoundedInputStream(in, n), got)).isEqualTo(n);
            upload.get();
            assertThat(got.getValue()).isEqualTo(crcOfPattern(n));
        }
    }

    @Test
    void echoWorksWithAnOrdinaryClientForSmallBodies() throws Exception {
        // java.net.http sends the whole body before reading the answer, so stay below the socket buffers here.
        long n = 512 * 1024;
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/echo"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new PatternInputStream(n)))
                .build();
        HttpResponse<InputStream> r = TestHttp.CLIENT.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        CRC32 got = new CRC32();
        assertThat(count(r.body(), got)).isEqualTo(n);
        assertThat(got.getValue()).isEqualTo(crcOfPattern(n));
    }

    @Test
    void echoOfAnEmptyBody() {
        HttpResponse<String> r = TestHttp.send(HttpRequest.newBuilder(URI.create(url + "/echo"))
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
    }

    @Test
    void echoStopsReadingWhileTheClientDoesNotRead() throws Exception {
        long n = 64 * MIB;
        AtomicLong written = new AtomicLong();
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " + n + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> upload(out, n, written));
            // Nobody reads the echo, so once the socket buffers are full the server must stop reading the upload.
            awaitStalled(written);
            assertThat(upload).isNotDone();
            assertThat(written.get()).isLessThan(n / 2);

            InputStream in = socket.getInputStream();
            readHead(in);
            CRC32 got = new CRC32();
            assertThat(count(new BoundedInputStream(in, n), got)).isEqualTo(n);
            upload.get();
            assertThat(got.getValue()).isEqualTo(crcOfPattern(n));
        }
    }

    /** Waits until the upload has made no progress for a while: the socket buffers are full. */
    private static void awaitStalled(AtomicLong written) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        long previous = -1;
        while (System.nanoTime() < deadline) {
            Thread.sleep(300);
            long now = written.get();
            if (now == previous && now > 0) {
                return;
            }
            previous = now;
        }
        throw new AssertionError("the upload never stalled; " + written.get() + " bytes written");
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", backend.port()));
        socket.setSoTimeout(30_000); // a stuck server fails the test instead of hanging it
        return socket;
    }

    private static void upload(OutputStream out, long n) {
        upload(out, n, new AtomicLong());
    }

    private static void upload(OutputStream out, long n, AtomicLong written) {
        byte[] buf = new byte[64 * 1024];
        try (InputStream body = new PatternInputStream(n)) {
            for (int len; (len = body.read(buf)) > 0; ) {
                out.write(buf, 0, len);
                written.addAndGet(len);
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void uploadChunked(OutputStream out, long n) {
        byte[] buf = new byte[50_000]; // not a power of two, so chunk boundaries never line up with the server's
        try (InputStream body = new PatternInputStream(n)) {
            for (int len; (len = body.read(buf)) > 0; ) {
                out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(buf, 0, len);
                out.write(CRLF);
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final byte[] CRLF = {'\r', '\n'};

    /** Reads the response head up to its blank line and returns it. */
    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed in head: " + head);
            }
            head.append((char) c);
        }
        return head.toString();
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("closed in chunk framing");
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    private static long count(InputStream in, CRC32 crc) throws IOException {
        long total = 0;
        byte[] buf = new byte[64 * 1024];
        try (in) {
            for (int len; (len = in.read(buf)) > 0; ) {
                total += len;
                if (crc != null) {
                    crc.update(buf, 0, len);
                }
            }
        }
        return total;
    }

    private static long crcOfPattern(long n) throws IOException {
        CRC32 crc = new CRC32();
        count(new PatternInputStream(n), crc);
        return crc.getValue();
    }

    /** Decodes a chunked body, ending at the last chunk; the socket stays open. */
    private static final class ChunkedInputStream extends InputStream {
        private final InputStream in;
        private long left;
        private boolean done;

        ChunkedInputStream(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (left == 0) {
                left = Long.parseLong(readLine(in).trim(), 16);
                if (left == 0) {
                    readLine(in); // the blank line after the last chunk (no trailers)
                    done = true;
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new IOException("closed inside a chunk");
            }
            left -= n;
            if (left == 0) {
                readLine(in); // CRLF after the chunk data
            }
            return n;
        }

        @Override
        public void close() {
            // the socket is closed by the test
        }
    }

    /** Reads at most {@code limit} bytes, so a keep-alive socket does not block the count at the end. */
    private static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private long left;

        BoundedInputStream(InputStream in, long limit) {
            this.in = in;
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int c = in.read();
            if (c >= 0) {
                left--;
            }
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }

        @Override
        public void close() {
            // the socket is closed by the test
        }
    }
}
