package io.stickylb.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** A free loopback port for a child server that cannot pick its own (redis-server). */
final class FreePorts {

    private FreePorts() {
    }

    /**
     * A port that was free a moment ago (the child binds it next; a clash is retried by the caller's start-up check).
     */
    static int pick() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
