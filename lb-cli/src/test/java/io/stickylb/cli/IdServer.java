package io.stickylb.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A minimal backend for {@code lb run} tests: answers every request with its id, in the body and in X-Backend-Id. */
final class IdServer implements AutoCloseable {

    private final HttpServer server;
    private final List<String> hosts = new CopyOnWriteArrayList<>();

    IdServer(String id) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.createContext("/", exchange -> {
            hosts.add(String.valueOf(exchange.getRequestHeaders().getFirst("Host")));
            byte[] body = id.getBytes(StandardCharsets.UTF_8);
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("X-Backend-Id", id);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    /** The Host header of every request answered so far. */
    List<String> hosts() {
        return List.copyOf(hosts);
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
