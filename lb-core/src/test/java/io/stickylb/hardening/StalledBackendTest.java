package io.stickylb.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stickylb.backend.Backend;
import io.stickylb.metrics.ErrorKind;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A backend that accepts a request and then never reads its body (a hung application server): the client is paused
 * for it, the response timer has not started, and nothing else would ever end the exchange. After the pool's idle
 * timeout without the backend taking a byte, the client gets 504 and both connections close.
 */
class StalledBackendTest {

    private static final Duration IDLE = Duration.ofMillis(500);

    private ServerSocket server;
    private final List<Socket> held = new CopyOnWriteArrayList<>();
    private LoadBalancer lb;

    @AfterEach
    void stop() throws IOException {
        if (lb != null) {
            lb.close(Duration.ofSeconds(1));
        }
        for (Socket s : held) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aBackendThatStopsReadingTheRequestBodyGets504AfterTheIdleTimeout() throws Exception {
        server = new ServerSocket();
        server.setReceiveBufferSize(4096);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    held.add(server.accept()); // and never read
                }
            } catch (IOException closed) {
                // test over
            }
        }, "never-reads");
        acceptor.setDaemon(true);
        acceptor.start();
        lb = new LoadBalancer(TestConfigs.single(TestConfigs.withTimeouts(
                TestConfigs.pool("round-robin", server.getLocalPort()), Duration.ofSeconds(1), Duration.ofSeconds(30),
                IDLE))).start();
        long size = 256L << 20; // far beyond every socket buffer on the way
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: " + size + "\r\n\r\n");
            Thread sender = new Thread(() -> {
                byte[] chunk = new byte[64 * 1024];
                try {
                    OutputStream out = c.output();
                    for (long sent = 0; sent < size; sent += chunk.length) {
                        out.write(chunk);
                    }
                } catch (IOException closedByTheProxy) {
                    // expected once the proxy gives up
                }
            }, "uploader");
            sender.setDaemon(true);
            sender.start();
            c.socket().setSoTimeout(15_000);
            String status = statusLine(c.socket().getInputStream());
            assertThat(status).as("answer to a request the backend stopped reading").startsWith("HTTP/1.1 504");
            Backend b = lb.upstreams().allBackends().get(0);
            await().atMost(Duration.ofSeconds(5)).until(() -> b.inFlight() == 0);
            assertThat(b.stats().errors(ErrorKind.TIMEOUT)).isEqualTo(1);
            assertThat(lb.upstreams().pool("app").backend("b1").orElseThrow().ejected()).isFalse();
        }
        // The closing answer lingers for the client's FIN (it was still uploading); once it left, nothing is held.
        await().atMost(Duration.ofSeconds(5)).until(() -> lb.clientConnections() == 0);
    }

    private static String statusLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int ch;
        while ((ch = in.read()) >= 0 && ch != '\n') {
            line.append((char) ch);
        }
        return line.toString().trim();
    }
}
