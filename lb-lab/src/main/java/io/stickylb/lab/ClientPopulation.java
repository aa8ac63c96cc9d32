package io.stickylb.lab;

import java.util.BitSet;
import java.util.SplittableRandom;

/**
 * The state of every virtual client, kept in arrays of primitives so a hundred thousand clients cost a few
 * megabytes: whether it keeps cookies, its cookies (one compact {@code Cookie:} header string, or null), the backend
 * holding its current session, the backend it last reached, how many requests it has out, how many more wait
 * behind those, and when it may send again (think time). Confined to the load driver's event loop.
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
    private final short[] waiting;
    /** Earliest next send, in milliseconds from the start of the run (think time). */
    private final int[] readyAtMillis;

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
        readyAtMillis = spec.thinkTime().isZero() ? null : new int[n];
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

    /** Queues one more request behind the one in flight; false when the client already has too many waiting. */
    boolean addWaiting(int c) {
        if (waiting[c] == Short.MAX_VALUE) {
            return false;
        }
        waiting[c]++;
        return true;
    }

    /** Takes one waiting request of the client, if any. */
    boolean takeWaiting(int c) {
        if (waiting[c] == 0) {
            return false;
        }
        waiting[c]--;
        return true;
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
