package io.stickylb.warmup;

import java.io.IOException;
import java.net.Socket;

/** The warm-up's threads and sockets: daemons, sleeps and closes whose interruptions and failures are no news. */
final class Quietly {

    private Quietly() {
    }

    /** A daemon thread, not started: the warm-up never keeps the JVM alive. */
    static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void close(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // a warm-up socket
        }
    }

    /** Closes {@code s} with a reset (linger 0) rather than a FIN, as a client that gives up does. */
    static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // closing anyway
        }
        close(s);
    }
}
