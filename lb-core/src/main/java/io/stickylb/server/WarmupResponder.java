package io.stickylb.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * The backend of {@link JitWarmup}: a minimal keep-alive HTTP/1.1 responder on loopback, plain blocking sockets so it
 * adds nothing to the proxy's own type profiles. It answers {@code /slow} after a few milliseconds (the warm-up client
 * leaves before that).
 */
final class WarmupResponder implements AutoCloseable {

    static final String SLOW_PATH = "/slow";
    private static final byte[] BODY = "stickylb warm-up response ........................................ end"
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESPONSE = response();

    private final ServerSocket server;
    private final Set<Socket> open = new HashSet<>();

    WarmupResponder() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        JitWarmup.daemon("stickylb-warmup-responder", this::acceptLoop).start();
    }

    int port() {
        return server.getLocalPort();
    }


    private void acceptLoop() {
        try {
            while (true) {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                synchronized (open) {
                    if (server.isClosed()) {
                        s.close();
                        return;
                    }
                    open.add(s);
                }
                JitWarmup.daemon("stickylb-warmup-backend", () -> serve(s)).start();
            }
        } catch (IOException e) {
            // closed: the warm-up is over
        }
    }

    private void serve(Socket s) {
        byte[] buf = new byte[8192];
        int len = 0;
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (true) {
                int end = headEnd(buf, len);
                if (end < 0) {
                    if (len == buf.length) {
                        return; // the warm-up client never sends heads this long
                    }
                    int r = in.read(buf, len, buf.length - len);
                    if (r < 0) {
                        return;
                    }
                    len += r;
                    continue;
                }
                if (startsWith(buf, "GET " + SLOW_PATH)) {
                    JitWarmup.sleepMillis(3);
                }
                int consumed = end + 4;
                System.arraycopy(buf, consumed, buf, 0, len - consumed);
                len -= consumed;
                out.write(RESPONSE);
            }
        } catch (IOException e) {
            // the proxy closed the connection
        } finally {
            synchronized (open) {
                open.remove(s);
            }
        }
    }

    /** Index of the {@code \r\n\r\n} ending a head in {@code b[0, len)}, or -1. */
    static int headEnd(byte[] b, int len) {
        for (int i = 3; i < len; i++) {
            if (b[i] == '\n' && b[i - 1] == '\r' && b[i - 2] == '\n' && b[i - 3] == '\r') {
                return i - 3;
            }
        }
        return -1;
    }

    private static boolean startsWith(byte[] b, String prefix) {
        for (int i = 0; i < prefix.length(); i++) {
            if (b[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static byte[] response() {
        byte[] head = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + BODY.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[head.length + BODY.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(BODY, 0, out, head.length, BODY.length);
        return out;
    }

    @Override
    public void close() throws IOException {
        synchronized (open) {
            server.close();
            for (Socket s : open) {
                JitWarmup.closeQuietly(s);
            }
        }
    }
}
