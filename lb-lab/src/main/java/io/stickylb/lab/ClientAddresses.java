package io.stickylb.lab;

import java.net.InetSocketAddress;

/**
 * The addresses of virtual clients: {@code 10.a.b.c} carried in {@code X-Forwarded-For} (room for 16 million), or a
 * real loopback source address {@code 127.a.b.c} (a to 1..254) that Linux routes without configuration.
 */
final class ClientAddresses {

    private ClientAddresses() {
    }

    static String forwarded(int group) {
        return "10." + ((group >>> 16) & 0xFF) + "." + ((group >>> 8) & 0xFF) + "." + (group & 0xFF);
    }

    static InetSocketAddress loopback(int group) {
        // 127.0.0.x is left to servers; clients start at 127.1.0.1.
        int n = group + 1;
        String host = "127." + (1 + (n >>> 16) % 254) + "." + ((n >>> 8) & 0xFF) + "." + (n & 0xFF);
        return new InetSocketAddress(host, 0);
    }
}
