package io.stickylb.server;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One client of {@link JitWarmup} on a blocking socket: keep-alive GETs, and now and then the ways clients end a
 * connection (a reset or a close while the answer is on its way, a close after the answer). Plain JDK sockets, so the
 * proxy's Netty type profiles see only the proxy.
 */
final class WarmupClient implements Runnable {

    /**
     * Every this many requests, one of each rare event (at different offsets, so they do not coincide). Rare enough
     * that C2 compiles those paths as cold: one in 500, with {@code Connection: close} and backend closes added, cost
     * 3 % of steady-state throughput; this costs about 1 % and cures the same traps.
     */
    static final int RARE_EVERY = 2000;

    private static final byte[] GET = request("/", "");
    private static final byte[] GET_SLOW = request(WarmupResponder.SLOW_PATH, "");

    private final int port;
    private final JitWarmup.Budget budget;
    private final byte[] buf = new byte[8192];
    private Socket socket;

    WarmupClient(int port, JitWarmup.Budget budget) {
        this.port = port;
        this.budget = budget;
    }

    @Override
    public void run() {
        long n = 0;
        int failuresInARow = 0;
        try {
            while (budget.next()) {
                n++;
                try {
                    switch ((int) (n % RARE_EVERY)) {
                        case 101 -> leaveEarly(true);
                        case 203 -> leaveEarly(false);
                        case 307 -> exchange(GET, true);
                        default -> exchange(GET, false);
                    }
                    failuresInARow = 0;
                } catch (IOException e) {
                    // A kept-alive connection can end under us; a fresh one that fails too means the proxy is gone.
                    disconnect(false);
                    if (++failuresInARow == 3) {
                        budget.failed(e);
                    }
                }
            }
        } finally {
            disconnect(false);
        }
    }

    /** One request and its whole response; reconnects when the proxy closed. */
    private void exchange(byte[] request, boolean closeAfter) throws IOException {
        Socket s = connected();
        s.getOutputStream().write(request);
        boolean complete = readResponse(s.getInputStream());
        if (complete) {
            budget.served();
        }
        if (!complete || closeAfter) {
            disconnect(false);
            if (complete) {
                budget.closed();
            }
        }
    }

    /**
     * Sends a request the responder answers slowly and leaves once the proxy has read it, so the proxy meets a closed
     * client when the answer arrives: with a reset, or with a plain close.
     */
    private void leaveEarly(boolean reset) throws IOException {
        connected().getOutputStream().write(GET_SLOW);
        JitWarmup.sleepMillis(1);
        disconnect(reset);
        budget.leftEarly(reset);
    }

    private Socket connected() throws IOException {
        if (socket == null) {
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setTcpNoDelay(true);
        }
        return socket;
    }

    private void disconnect(boolean reset) {
        if (socket == null) {
            return;
        }
        try {
            if (reset) {
                socket.setSoLinger(true, 0);
            }
        } catch (IOException ignored) {
            // closing anyway
        }
        JitWarmup.closeQuietly(socket);
        socket = null;
    }

    /** Reads one response with a Content-Length body; false when the connection ended first. */
    private boolean readResponse(InputStream in) throws IOException {
        int len = 0;
        int headEnd = -1;
        while (headEnd < 0) {
            if (len == buf.length) {
                throw new IOException("warm-up response head longer than " + buf.length + " bytes");
            }
            int r = in.read(buf, len, buf.length - len);
            if (r < 0) {
                return false;
            }
            len += r;
            headEnd = WarmupResponder.headEnd(buf, len);
        }
        int bodyLength = contentLength(new String(buf, 0, headEnd, StandardCharsets.US_ASCII));
        int have = len - (headEnd + 4);
        while (have < bodyLength) {
            int r = in.read(buf, 0, Math.min(buf.length, bodyLength - have));
            if (r < 0) {
                return false;
            }
            have += r;
        }
        return true;
    }

    private static int contentLength(String head) {
        String lower = head.toLowerCase(Locale.ROOT);
        int i = lower.indexOf("\r\ncontent-length:");
        if (i < 0) {
            return 0;
        }
        int start = i + "\r\ncontent-length:".length();
        int end = lower.indexOf('\r', start);
        return Integer.parseInt(lower.substring(start, end < 0 ? lower.length() : end).trim());
    }

    private static byte[] request(String path, String extraHeaders) {
        return ("GET " + path + " HTTP/1.1\r\nHost: warmup.local\r\n" + extraHeaders + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }
}
