package io.stickylb.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A raw-socket backend for tests: it records every request head it receives and answers with whatever the test's
 * {@link Responder} writes, byte for byte, so tests can play well-behaved and misbehaving servers alike.
 */
public final class FakeBackend implements AutoCloseable {

    /** Writes the answer to one request; return false to close the connection afterwards. */
    @FunctionalInterface
    public interface Responder {
        boolean respond(Request request, OutputStream out, Socket socket) throws IOException;
    }

    /** One received request: its head (request line and header lines), body (unless only counted) and body length. */
    public record Request(String head, byte[] body, long bodyLength) {
        public String requestLine() {
            return head.substring(0, head.indexOf("\r\n"));
        }

        /** First value of a header (case-insensitive name), or null. */
        public String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }

        public int headerCount(String name) {
            int n = 0;
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    n++;
                }
            }
            return n;
        }
    }

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-backend");
        t.setDaemon(true);
        return t;
    });
    private final Responder responder;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final boolean countBodiesOnly;

    public FakeBackend(Responder responder) throws IOException {
        this(responder, false);
    }

    /**
     * With {@code countBodiesOnly}, request bodies are read and discarded (for huge uploads), only their length
     * kept.
     */
    public FakeBackend(Responder responder, boolean countBodiesOnly) throws IOException {
        this(responder, countBodiesOnly, 0);
    }

    /** A backend on a given port (0 = ephemeral), e.g. to restart one where it was. */
    public FakeBackend(Responder responder, boolean countBodiesOnly, int port) throws IOException {
        this.responder = responder;
        this.countBodiesOnly = countBodiesOnly;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        threads.execute(this::acceptLoop);
    }

    /** A backend that answers every request with 200 and a small body, keeping connections alive. */
    public static FakeBackend ok(String body) throws IOException {
        return new FakeBackend((req, out, s) -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.ISO_8859_1));
            return true;
        });
    }

    /**
     * As {@link #ok}, and a WebSocket handshake to {@code /ws} is accepted (101) and held, reading and dropping what
     * comes, until the proxy closes the connection.
     */
    public static FakeBackend okOrWebSocket(String body) throws IOException {
        return new FakeBackend((req, out, s) -> {
            if (req.requestLine().startsWith("GET /ws ")) {
                out.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                s.getInputStream().transferTo(OutputStream.nullOutputStream());
                return false;
            }
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.ISO_8859_1));
            return true;
        });
    }

    public int port() {
        return server.getLocalPort();
    }

    public List<Request> requests() {
        return requests;
    }

    public Request lastRequest() {
        return requests.get(requests.size() - 1);
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                sockets.add(s);
                threads.execute(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                CountingSink sink = new CountingSink(countBodiesOnly);
                readBody(in, head, sink);
                Request r = new Request(head, sink.toByteArray(), sink.count);
                requests.add(r);
                boolean keep = responder.respond(r, out, s);
                out.flush();
                if (!keep) {
                    return;
                }
            }
        } catch (IOException e) {
            // peer went away; nothing to do
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int state = 0;
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            state = (c == '\r' && (state == 0 || state == 2)) ? state + 1
                    : (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
            if (state == 4) {
                return b.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    /** Keeps the body, or only counts it. */
    private static final class CountingSink extends ByteArrayOutputStream {
        final boolean discard;
        long count;

        CountingSink(boolean discard) {
            this.discard = discard;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
            if (!discard) {
                super.write(b, off, len);
            }
        }
    }

    private static void readBody(InputStream in, String head, CountingSink body) throws IOException {
        String lower = head.toLowerCase(Locale.ROOT);
        if (lower.contains("transfer-encoding: chunked")) {
            while (true) {
                String size = readLine(in);
                int n;
                try {
                    n = Integer.parseInt(size.split(";")[0].trim(), 16);
                } catch (NumberFormatException e) {
                    throw new IOException("bad chunk size line '" + size + "' (or the peer closed)");
                }
                if (n == 0) {
                    while (!readLine(in).isEmpty()) {
                        // skip trailers
                    }
                    break;
                }
                copy(in, body, n);
                readLine(in);
            }
        } else {
            int i = lower.indexOf("content-length:");
            if (i >= 0) {
                int end = lower.indexOf("\r\n", i);
                long n = Long.parseLong(lower.substring(i + 15, end).trim());
                copy(in, body, n);
            }
        }
    }

    private static void copy(InputStream in, CountingSink body, long n) throws IOException {
        byte[] buf = new byte[64 * 1024];
        while (n > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n));
            if (r < 0) {
                throw new IOException("body ended early");
            }
            body.write(buf, 0, r);
            n -= r;
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
        threads.shutdownNow();
    }
}
