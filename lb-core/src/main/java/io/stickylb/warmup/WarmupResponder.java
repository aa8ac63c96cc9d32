package io.stickylb.warmup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The backend of {@link JitWarmup}: a small keep-alive HTTP/1.1 responder on loopback, plain blocking sockets so it
 * adds nothing to the proxy's own type profiles. Most answers are nginx's; now and then, on each connection, it gives
 * the others real servers give (Tomcat's, with a session cookie for a client that has none; a bare one; a chunked one;
 * a redirect; a 404), so the proxy's response path is profiled for all of them (see {@link WarmupTraffic} on why the
 * mix is uneven). It answers a path with {@link WarmupTraffic#SLOW_MARK} after a few milliseconds (the warm-up client
 * leaves before that), and hands the answer to a path with {@link WarmupTraffic#RACE_MARK} to its {@link ResetRace}.
 */
final class WarmupResponder implements AutoCloseable {

    private static final String BODY = "stickylb warm-up response ........................................ end";
    private static final String JSON = "{\"items\":[{\"id\":1,\"name\":\"warm-up\"}],\"next\":null}";
    private static final String DATE = "Date: Thu, 03 Dec 2026 12:00:00 GMT\r\n";
    private static final byte[] NGINX = bytes("HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n" + DATE
            + "Content-Type: text/plain\r\nContent-Length: " + BODY.length() + "\r\nConnection: keep-alive\r\n\r\n"
            + BODY);
    private static final String TOMCAT_HEAD = "HTTP/1.1 200 \r\n";
    private static final String TOMCAT_REST = "Content-Type: text/html;charset=UTF-8\r\nContent-Length: "
            + BODY.length() + "\r\n" + DATE + "Keep-Alive: timeout=20\r\nConnection: keep-alive\r\n\r\n" + BODY;
    private static final byte[] BARE = bytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
            + BODY.length() + "\r\n\r\n" + BODY);
    private static final byte[] CHUNKED = bytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + "Transfer-Encoding: chunked\r\nVary: Accept-Encoding\r\n\r\n"
            + Integer.toHexString(JSON.length()) + "\r\n" + JSON + "\r\n0\r\n\r\n");
    private static final byte[] REDIRECT = bytes("HTTP/1.1 302 Found\r\nLocation: /login\r\nContent-Length: 0\r\n\r\n");
    private static final byte[] NOT_FOUND = bytes("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
            + "Content-Length: 10\r\n\r\nnot found\n");

    private final ServerSocket server;
    private final Set<Socket> open = new HashSet<>();
    private final List<String> sessionCookies;
    private final ResetRace race;
    private final AtomicLong answered = new AtomicLong();
    private volatile boolean plainOnly;

    /** {@code sessionCookies}: the names of the session cookies it sets, as an application server would. */
    WarmupResponder(List<String> sessionCookies) throws IOException {
        this(sessionCookies, new ResetRace());
    }

    /** The same, handing the answers of race requests to {@code race}. */
    WarmupResponder(List<String> sessionCookies, ResetRace race) throws IOException {
        this.sessionCookies = List.copyOf(sessionCookies);
        this.race = race;
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Quietly.daemon("stickylb-warmup-responder", this::acceptLoop).start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Requests it has answered or is answering (those the proxy routed to a pool rather than answered itself). */
    long answered() {
        return answered.get();
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
                Quietly.daemon("stickylb-warmup-backend", () -> serve(s)).start();
            }
        } catch (IOException e) {
            // closed: the warm-up is over
        }
    }

    private void serve(Socket s) {
        byte[] buf = new byte[8192];
        int len = 0;
        long n = 0;
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
                String head = new String(buf, 0, end, StandardCharsets.US_ASCII);
                String lower = head.toLowerCase(Locale.ROOT);
                int consumed = end + 4;
                // A body (the client's small form) is read and dropped.
                int body = contentLength(lower);
                while (len < consumed + body) {
                    int r = in.read(buf, len, buf.length - len);
                    if (r < 0) {
                        return;
                    }
                    len += r;
                }
                consumed += body;
                System.arraycopy(buf, consumed, buf, 0, len - consumed);
                len -= consumed;
                String line = head.substring(0, head.indexOf('\r'));
                if (line.contains(WarmupTraffic.SLOW_MARK)) {
                    Quietly.sleepMillis(3);
                }
                answered.incrementAndGet();
                String raceToken = WarmupTraffic.raceToken(line);
                if (raceToken != null) {
                    race.answerLater(raceToken, out, NGINX);
                } else {
                    out.write(answer(head, lower, n++));
                }
            }
        } catch (IOException e) {
            // the proxy closed the connection
        } finally {
            synchronized (open) {
                open.remove(s);
            }
        }
    }

    /**
     * From now on nginx's answer only, or the mix again. The idle drills run after real traffic has compiled the
     * response path from its own profile; an answer of a kind that traffic never had would take a branch that code
     * never took, throw it away, and leave it to be compiled again when real traffic returns.
     */
    void plainOnly(boolean on) {
        plainOnly = on;
    }

    /** The {@code n}th answer of a connection: nginx's, but for one of each other kind every 32. */
    private byte[] answer(String requestHead, String lowerHead, long n) {
        if (plainOnly) {
            return NGINX;
        }
        return switch ((int) (n % 32)) {
            case 3, 19 -> tomcat(requestHead, lowerHead);
            case 7 -> REDIRECT;
            case 11, 27 -> BARE;
            case 15, 31 -> CHUNKED;
            case 23 -> NOT_FOUND;
            default -> NGINX;
        };
    }

    /** Tomcat's answer, with a new session cookie of each name the request does not carry. */
    private byte[] tomcat(String requestHead, String lowerHead) {
        StringBuilder b = new StringBuilder(TOMCAT_HEAD);
        int cookie = lowerHead.indexOf("\r\ncookie:");
        int eol = cookie < 0 ? -1 : requestHead.indexOf('\r', cookie + 2);
        String sent = cookie < 0 ? "" : requestHead.substring(cookie, eol < 0 ? requestHead.length() : eol);
        for (String name : sessionCookies) {
            if (!sent.contains(name + "=")) {
                b.append("Set-Cookie: ").append(name).append('=')
                        .append(Long.toHexString(ThreadLocalRandom.current().nextLong())).append(Long.toHexString(
                                ThreadLocalRandom.current().nextLong())).append("; Path=/; HttpOnly\r\n");
            }
        }
        return bytes(b.append(TOMCAT_REST).toString());
    }

    /** The Content-Length value in a lower-cased head, 0 when there is none. */
    static int contentLength(String lowerHead) {
        int i = lowerHead.indexOf("\r\ncontent-length:");
        if (i < 0) {
            return 0;
        }
        int start = i + "\r\ncontent-length:".length();
        int end = lowerHead.indexOf('\r', start);
        return Integer.parseInt(lowerHead.substring(start, end < 0 ? lowerHead.length() : end).trim());
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

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        synchronized (open) {
            server.close();
            for (Socket s : open) {
                Quietly.close(s);
            }
        }
    }
}
