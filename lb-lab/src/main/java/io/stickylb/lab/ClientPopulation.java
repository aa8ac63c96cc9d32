package io.stickylb.lab;

import java.util.BitSet;
import java.util.SplittableRandom;

/**
 * The state of every virtual client, kept in arrays of primitives so a hundred thousand clients cost a few
 * megabytes: whether it keeps cookies, its cookies (one compact {@code Cookie:} header string, or null), the backend
 * holding its current session, the backend it last reached, how many requests it has out, the scheduled times of
 * those waiting behind them, and when it may send again (think time). Confined to the load driver's event loop.
 */
final class ClientPopulation {

    private final ClientSpec spec;
    private final BitSet keepsCookies;
    private final String[] cookies;
    /** Backend index + 1 that last served the client's current session (its holder); 0 when it holds none. */
    private final byte[] sessionBackend;
    /** Backend index + 1 of the client's last answered request; 0 before its first. */
    private final byte[] lastBackend;
    /** Requests of the client sent or about to be (queued, thinking), at most {@code maxInFlight}. */
    private final byte[] active;
    /** How many requests wait behind the active ones. */
    private final short[] waiting;
    /**
     * The scheduled times (nanoseconds from the start of the run) of the waiting requests, a ring from
     * {@code waitingHead}; allocated when the client first has to wait, so light clients cost one null reference.
     */
    private final long[][] waitingAt;
    private final short[] waitingHead;
    /** Earliest next send, in milliseconds from the start of the run (think time). */
    private final int[] readyAtMillis;
    /** The previous request's latency origin plus the think time (0 before the first); null without think time. */
    private final long[] nextOrigin;
    private final long thinkNanos;
    /** Requests waiting behind their clients' active ones, over all clients. */
    private int waitingTotal;

    ClientPopulation(ClientSpec spec, long seed) {
        this.spec = spec;
        int n = spec.count();
        keepsCookies = new BitSet(n);
        // Its own stream: changing the rate model must not change who keeps cookies.
        SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        for (int c = 0; c < n; c++) {
            if (random.nextDouble() < spec.keepCookies()) {
                keepsCookies.set(c);
            }
        }
        cookies = new String[n];
        sessionBackend = new byte[n];
        lastBackend = new byte[n];
        active = new byte[n];
        waiting = new short[n];
        waitingAt = new long[n][];
        waitingHead = new short[n];
        thinkNanos = spec.thinkTime().toNanos();
        readyAtMillis = thinkNanos == 0 ? null : new int[n];
        nextOrigin = thinkNanos == 0 ? null : new long[n];
    }

    int size() {
        return cookies.length;
    }

    boolean keepsCookies(int c) {
        return keepsCookies.get(c);
    }

    /** The {@code Cookie} header value to send, or null. */
    String cookieHeader(int c) {
        return cookies[c];
    }

    /** Merges one {@code Set-Cookie} (name, value; null value = deleted) into the client's jar, if it keeps cookies. */
    void setCookie(int c, String name, String value) {
        if (!keepsCookies.get(c)) {
            return;
        }
        cookies[c] = CookieHeader.merge(cookies[c], name, value);
    }

    /** Whether the client's next request carries a cookie of this name. */
    boolean hasCookie(int c, String name) {
        return CookieHeader.contains(cookies[c], name);
    }

    /** The backend (0-based) holding the client's current session (the last one that served it), or -1. */
    int sessionBackend(int c) {
        return sessionBackend[c] - 1;
    }

    void sessionBackend(int c, int backend) {
        sessionBackend[c] = (byte) (backend + 1);
    }

    int lastBackend(int c) {
        return lastBackend[c] - 1;
    }

    void lastBackend(int c, int backend) {
        lastBackend[c] = (byte) (backend + 1);
    }

    /** A copy of every client's last backend (+1), taken when a fault happens to count who moves afterwards. */
    byte[] lastBackends() {
        return lastBackend.clone();
    }

    /**
     * Whether the client may start one more request now: below its in-flight limit, and not while its very first
     * request is still out (the session it creates must exist before parallel requests, as in a browser).
     */
    boolean mayStart(int c, String sessionCookie) {
        int a = active[c];
        if (a >= spec.maxInFlight()) {
            return false;
        }
        return a == 0 || !keepsCookies.get(c) || hasCookie(c, sessionCookie);
    }

    void started(int c) {
        active[c]++;
    }

    void finished(int c) {
        active[c]--;
    }

    /**
     * Queues one more request, scheduled at {@code scheduledNanos}, behind the ones in flight; false when the client
     * already has too many waiting.
     */
    boolean addWaiting(int c, long scheduledNanos) {
        int n = waiting[c];
        if (n == Short.MAX_VALUE) {
            return false;
        }
        long[] ring = waitingAt[c];
        if (ring == null || n == ring.length) {
            ring = growWaiting(c, ring, n);
        }
        ring[(waitingHead[c] + n) & (ring.length - 1)] = scheduledNanos;
        waiting[c]++;
        waitingTotal++;
        return true;
    }

    boolean hasWaiting(int c) {
        return waiting[c] > 0;
    }

    /** How many requests wait behind their clients' active ones, over all clients. */
    int waitingTotal() {
        return waitingTotal;
    }

    /** Takes the client's oldest waiting request and returns its scheduled time; call only if it has one. */
    long takeWaiting(int c) {
        long[] ring = waitingAt[c];
        int head = waitingHead[c];
        waitingHead[c] = (short) ((head + 1) & (ring.length - 1));
        waiting[c]--;
        waitingTotal--;
        return ring[head];
    }

    private long[] growWaiting(int c, long[] ring, int n) {
        // Powers of two up to 32,768 slots, so the head index (below the capacity) fits a short.
        long[] grown = new long[ring == null ? 4 : ring.length * 2];
        for (int i = 0; i < n; i++) {
            grown[i] = ring[(waitingHead[c] + i) & (ring.length - 1)];
        }
        waitingAt[c] = grown;
        waitingHead[c] = 0;
        return grown;
    }

    /**
     * The latency origin of the client's next request, scheduled at {@code scheduledNanos} and free to go at
     * {@code readyNanos}: its scheduled time or, with think time, the think time after the previous request's origin
     * if later, which is when a system answering at once would have let it go, so slow earlier answers count. Never
     * after {@code readyNanos}: with several requests out, think time follows answers only and may let one go sooner.
     */
    long nextOrigin(int c, long scheduledNanos, long readyNanos) {
        if (nextOrigin == null) {
            return scheduledNanos;
        }
        long origin = Math.min(readyNanos, Math.max(scheduledNanos, nextOrigin[c]));
        nextOrigin[c] = origin + thinkNanos;
        return origin;
    }

    int readyAtMillis(int c) {
        return readyAtMillis == null ? 0 : readyAtMillis[c];
    }

    void readyAtMillis(int c, int millis) {
        if (readyAtMillis != null) {
            readyAtMillis[c] = millis;
        }
    }

    /** The client's address group (itself, or its NAT group). */
    int addressGroup(int c) {
        return spec.addressOf(c);
    }
}
