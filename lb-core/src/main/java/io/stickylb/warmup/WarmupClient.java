package io.stickylb.warmup;

import io.netty.channel.EventLoop;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One client of {@link JitWarmup} on a blocking socket: keep-alive requests of {@link WarmupTraffic}'s shapes, with the
 * cookies earlier answers set (as a browser keeps them), and now and then the ways clients end a connection (a reset
 * or a close while the answer is on its way, a close or a reset after the answer, a reset that reaches the proxy with
 * the answer: {@link ResetRace}). Plain JDK sockets, so the proxy's Netty type profiles see only the proxy.
 */
final class WarmupClient implements Runnable {

    /**
     * Every this many requests, one of each rare event (at different offsets, so they do not coincide). Rare enough
     * that C2 compiles those paths as cold: one in 500, with {@code Connection: close} and backend closes added, cost
     * 3 % of steady-state throughput; this costs about 1 % and cures the same traps.
     */
    static final int RARE_EVERY = 2000;

    private final int port;
    private final WarmupTraffic traffic;
    private final long first;
    private final WarmupBudget budget;
    /** The cookies answers set, by the Host they were for (a browser keeps a host's cookies for that host). */
    private final Map<String, Map<String, String>> jars = new HashMap<>();
    private byte[] buf = new byte[8192];
    private Socket socket;
    private ResetRace race;
    private long races;
    private List<EventLoop> loops = List.of();

    /** {@code index} staggers the clients over the request shapes. */
    WarmupClient(int port, WarmupTraffic traffic, int index, WarmupBudget budget) {
        this.port = port;
        this.traffic = traffic;
        this.first = index;
        this.budget = budget;
    }

    /** Has this client race its reset against its answer now and then, holding {@code loops} (see {@link #race}). */
    WarmupClient racing(ResetRace race, List<EventLoop> loops) {
        this.race = race;
        this.loops = List.copyOf(loops);
        return this;
    }

    @Override
    public void run() {
        long n = first;
        int failuresInARow = 0;
        try {
            while (budget.next()) {
                n++;
                try {
                    switch ((int) (n % RARE_EVERY)) {
                        case 101 -> leaveEarly(true);
                        case 203 -> leaveEarly(false);
                        case 307 -> exchange(n, Ending.CLOSE);
                        case 409 -> exchange(n, Ending.RESET);
                        case 503 -> {
                            if (race == null) {
                                exchange(n, Ending.KEEP);
                            } else {
                                budget.raced(race());
                            }
                        }
                        default -> exchange(n, Ending.KEEP);
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

    /**
     * The {@code n}th of the rare events in turn: a reset and a close while the answer is on its way, a close and a
     * reset after the answer, a keep-alive request. A failure is dropped with the connection: the next event opens
     * another.
     */
    void rareEvent(long n) {
        try {
            switch ((int) (n % 5)) {
                case 0 -> leaveEarly(true);
                case 1 -> leaveEarly(false);
                case 2 -> exchange(n, Ending.CLOSE);
                case 3 -> exchange(n, Ending.RESET);
                default -> exchange(n, Ending.KEEP);
            }
        } catch (IOException e) {
            disconnect(false);
        }
    }

    /** As {@link #race}, a failure dropped with the connection (as {@link #rareEvent} drops it). */
    boolean raceQuietly() {
        try {
            return race();
        } catch (IOException e) {
            disconnect(false);
            return false;
        }
    }

    /** Closes the kept-alive connection, if any. */
    void close() {
        disconnect(false);
    }

    /** What a client does with its connection once an answer is in. */
    private enum Ending {
        KEEP,
        /** Closes it, as a client done with a site does. */
        CLOSE,
        /** Resets it, as a load generator that stops does: the proxy was waiting for the next request. */
        RESET
    }

    /**
     * Request {@code n} and its whole response, with the cookies of the host it is for; reconnects when the proxy
     * closed. True when the response came whole.
     */
    private boolean exchange(long n, Ending ending) throws IOException {
        Map<String, String> jar = jars.computeIfAbsent(traffic.target(n).host(), host -> new LinkedHashMap<>());
        byte[] request = request(n, jar);
        Socket s = connected();
        s.getOutputStream().write(request);
        boolean complete = readResponse(s.getInputStream(), jar);
        if (complete) {
            budget.served();
        }
        if (!complete || ending != Ending.KEEP) {
            disconnect(complete && ending == Ending.RESET);
            if (complete) {
                budget.closed(ending == Ending.RESET);
            }
        }
        return complete;
    }

    /**
     * A client whose reset reaches the proxy in the same batch of events as the answer to its request ({@link
     * ResetRace}): just before it in this client's odd-numbered races, just after it in the even ones. Only for a
     * client set {@link #racing}; true when the race was run with the loops held.
     */
    boolean race() throws IOException {
        Socket s = connected();
        socket = null;
        String token = Integer.toHexString(System.identityHashCode(this)) + "-" + ++races;
        s.getOutputStream().write(traffic.raceRequest(token));
        return race.resetAsAnswerArrives(token, s, loops, races % 2 == 0);
    }

    /**
     * Sends a request the responder answers slowly and leaves once the proxy has read it, so the proxy meets a closed
     * client when the answer arrives: with a reset, or with a plain close.
     */
    private void leaveEarly(boolean reset) throws IOException {
        connected().getOutputStream().write(traffic.slowRequest());
        Quietly.sleepMillis(1);
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
        if (reset) {
            Quietly.reset(socket);
        } else {
            Quietly.close(socket);
        }
        socket = null;
    }

    /**
     * The {@code k}th keep-alive bare GET, to the routes in turn, with this client's affinity cookies once it has them
     * (the request real traffic sends most); true when its answer came whole.
     */
    boolean bareGet(long k) throws IOException {
        return exchange(k * WarmupTraffic.SHAPES, Ending.KEEP);
    }

    /**
     * A burst: {@code count} connections opened at once, one bare GET on each, every answer read, all closed. The
     * listener finds more connections queued than it takes per wake-up, and a batch of new client and backend
     * connections is set up together, as at a benchmark's start or a reconnect storm; profiled now, those paths do not
     * deoptimise the request path's compiled code when real clients first arrive in numbers. Returns the answers read.
     */
    int burst(int count) throws IOException {
        List<Socket> sockets = new ArrayList<>(count);
        int answered = 0;
        try {
            for (int i = 0; i < count; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
                s.setTcpNoDelay(true);
                sockets.add(s);
            }
            byte[] get = traffic.request(0, "", "");
            for (Socket s : sockets) {
                s.getOutputStream().write(get);
            }
            for (Socket s : sockets) {
                // New clients each: the cookies they are given are nobody's to keep.
                if (readResponse(s.getInputStream(), null)) {
                    answered++;
                }
            }
        } finally {
            sockets.forEach(Quietly::close);
        }
        return answered;
    }

    private byte[] request(long n, Map<String, String> jar) {
        String all = cookieHeader(jar, false);
        String affinity = cookieHeader(jar, true);
        byte[] request = traffic.request(n, all, affinity);
        if (!all.isEmpty() && WarmupTraffic.sendsCookies(n)) {
            budget.sentCookies();
        }
        if (!affinity.isEmpty() && WarmupTraffic.sendsAffinityCookies(n)) {
            budget.sentAffinityCookies();
        }
        return request;
    }

    /**
     * The Cookie field value of what earlier answers set, e.g. {@code LB_ROUTE=1.x; JSESSIONID=abc}; with
     * {@code affinityOnly}, of the cookies that carry a pool's affinity alone.
     */
    private String cookieHeader(Map<String, String> jar, boolean affinityOnly) {
        StringBuilder b = new StringBuilder();
        jar.forEach((name, value) -> {
            if (!affinityOnly || traffic.isAffinityCookie(name)) {
                b.append(b.length() == 0 ? "" : "; ").append(name).append('=').append(value);
            }
        });
        return b.toString();
    }

    /**
     * Reads one response (Content-Length or chunked body) and keeps the cookies it sets in {@code jar} (unless null);
     * false when cut short.
     */
    private boolean readResponse(InputStream in, Map<String, String> jar) throws IOException {
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
        String head = new String(buf, 0, headEnd, StandardCharsets.US_ASCII);
        if (jar != null) {
            keepCookies(head, jar);
        }
        int bodyStart = headEnd + 4;
        String lower = head.toLowerCase(Locale.ROOT);
        if (lower.contains("\r\ntransfer-encoding: chunked")) {
            return readChunked(in, bodyStart, len);
        }
        int bodyLength = WarmupResponder.contentLength(lower);
        int have = len - bodyStart;
        while (have < bodyLength) {
            int r = in.read(buf, 0, Math.min(buf.length, bodyLength - have));
            if (r < 0) {
                return false;
            }
            have += r;
        }
        return true;
    }

    /** Reads chunks from {@code buf[pos, len)} and the socket up to the last one (no trailers: the responder's). */
    private boolean readChunked(InputStream in, int pos, int len) throws IOException {
        while (true) {
            int lineEnd;
            while ((lineEnd = crlf(pos, len)) < 0) {
                len = compactAndRead(in, pos, len);
                pos = 0;
                if (len < 0) {
                    return false;
                }
            }
            int size = Integer.parseInt(new String(buf, pos, lineEnd - pos, StandardCharsets.US_ASCII).trim(), 16);
            int end = lineEnd + 2 + size + 2;
            while (len < end) {
                end -= pos;
                len = compactAndRead(in, pos, len);
                pos = 0;
                if (len < 0) {
                    return false;
                }
            }
            if (size == 0) {
                return true;
            }
            pos = end;
        }
    }

    /** Moves {@code buf[pos, len)} to the front (growing the buffer when full) and reads more: the new end, or -1. */
    private int compactAndRead(InputStream in, int pos, int len) throws IOException {
        int kept = len - pos;
        System.arraycopy(buf, pos, buf, 0, kept);
        if (kept == buf.length) {
            buf = Arrays.copyOf(buf, buf.length * 2);
        }
        int r = in.read(buf, kept, buf.length - kept);
        return r < 0 ? -1 : kept + r;
    }

    private int crlf(int from, int to) {
        for (int i = from; i + 1 < to; i++) {
            if (buf[i] == '\r' && buf[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Keeps {@code name=value} of every Set-Cookie field; an empty value or {@code Max-Age=0} forgets the cookie. */
    private static void keepCookies(String head, Map<String, String> cookies) {
        for (String line : head.split("\r\n")) {
            if (!line.regionMatches(true, 0, "set-cookie:", 0, 11)) {
                continue;
            }
            String pair = line.substring(11).trim();
            int semi = pair.indexOf(';');
            String attributes = semi < 0 ? "" : pair.substring(semi).toLowerCase(Locale.ROOT);
            pair = semi < 0 ? pair : pair.substring(0, semi);
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String name = pair.substring(0, eq).trim();
            String value = pair.substring(eq + 1).trim();
            if (value.isEmpty() || attributes.contains("max-age=0")) {
                cookies.remove(name);
            } else {
                cookies.put(name, value);
            }
        }
    }
}
