package io.stickylb.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A listener with a backlog of one whose accept queue is already full (two connections nobody accepts): Linux
 * drops every further handshake, so a connect to it stays open until it times out or the port is answered again.
 */
public final class StalledListener implements AutoCloseable {
    private final ServerSocket server = new ServerSocket();
    private final List<Socket> fillers = new ArrayList<>();

    public StalledListener() throws IOException {
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
        for (int i = 0; i < 2; i++) {
            Socket s = new Socket();
            s.connect(server.getLocalSocketAddress(), 2000);
            fillers.add(s);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : fillers) {
            s.close();
        }
    }
}
