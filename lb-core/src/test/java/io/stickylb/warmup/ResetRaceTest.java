package io.stickylb.warmup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.channel.EventLoop;
import io.stickylb.proxy.FrontendHandler;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.TestConfigs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What the proxy does with each order of a client's reset and its answer tells which order it met. Read in the same
 * pass, reset first: the read of the client fails, and the answer goes to the closed channel as a whole response, so
 * the backend connection is kept. Answer first: the write to the client fails instead. A reset met alone ends the
 * exchange and closes the backend connection under it.
 */
class ResetRaceTest {

    private static final byte[] OK =
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII);

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger frontend = (Logger) LoggerFactory.getLogger(FrontendHandler.class);

    @BeforeEach
    void watchClientErrors() {
        // The frontend logs each client connection error at debug level.
        frontend.setLevel(Level.DEBUG);
        logs.start();
        frontend.addAppender(logs);
    }

    @AfterEach
    void stopWatching() {
        frontend.detachAppender(logs);
        frontend.setLevel(null);
    }

    @Test
    void withTheLoopsHeldTheResetAndTheAnswerArriveTogetherSoTheBackendConnectionIsKept() throws Exception {
        // Each client's error came from a read, none from writing its answer: the reset came first.
        raceFourClients(false, "recvAddress");
    }

    @Test
    void answerFirstTheWriteToTheResetClientFailsAndTheBackendConnectionIsKept() throws Exception {
        // Each client's error came from writing its answer to a socket the reset had broken: the answer came first.
        raceFourClients(true, "sendAddress");
    }

    /**
     * Four races in turn, {@code answerFirst} or not, through a proxy with two loops; each client connection error
     * the proxy logged names {@code failedCall}.
     */
    private void raceFourClients(boolean answerFirst, String failedCall) throws Exception {
        // Loops held for up to a second: with the warm-up's 5 ms a test thread descheduled on a busy machine let the
        // loop read the first packet alone now and then, and the other order's error followed.
        ResetRace race = new ResetRace(1_000);
        try (FakeBackend backend = new FakeBackend((request, out, socket) -> {
            String token = WarmupTraffic.raceToken(request.requestLine());
            if (token == null) {
                out.write(OK);
            } else {
                race.answerLater(token, out, OK);
            }
            return true;
        })) {
            LoadBalancer lb = new LoadBalancer(TestConfigs.roundRobin(backend.port()).withWorkers(2)).start();
            try {
                WarmupTraffic traffic = new WarmupTraffic(lb.config(), lb.port());
                List<EventLoop> loops = lb.eventLoops();
                // One plain exchange per loop first (connections go to the loops in turn), so that every race meets
                // an idle pooled backend connection, as the warm-up's races do, not one still being connected.
                for (int i = 0; i < loops.size(); i++) {
                    try (Socket warm = connect(lb)) {
                        warm.getOutputStream().write(("GET /warm HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        assertThat(new String(warm.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                                .startsWith("HTTP/1.1 200").endsWith("ok");
                    }
                }
                for (int i = 0; i < 4; i++) {
                    Socket client = connect(lb);
                    client.getOutputStream().write(traffic.raceRequest("t" + i));
                    assertThat(race.resetAsAnswerArrives("t" + i, client, loops, answerFirst)).isTrue();
                }
                await().atMost(Duration.ofSeconds(5)).until(() -> lb.clientConnections() == 0);
                await().atMost(Duration.ofSeconds(5)).until(() -> clientErrors().size() == 4);
                assertThat(clientErrors()).hasSize(4).allMatch(e -> e.contains(failedCall));

                assertThat(get(lb)).isEqualTo("ok");
                assertThat(backend.requests()).hasSize(loops.size() + 5);
                // Every exchange ended with a whole answer: each loop's one backend connection served all of its
                // exchanges (a reset met alone would have closed one, and the next exchange there opened another).
                assertThat(backend.connections()).isEqualTo(loops.size());
            } finally {
                lb.close();
            }
        }
    }

    @Test
    void aResetMetAloneClosesTheBackendConnectionWhichIsHowTheOtherTestCanFail() throws Exception {
        CountDownLatch answer = new CountDownLatch(1);
        try (FakeBackend backend = new FakeBackend((request, out, socket) -> {
            if (request.requestLine().contains(WarmupTraffic.RACE_MARK)) {
                awaitQuietly(answer);
            }
            out.write(OK);
            return true;
        })) {
            LoadBalancer lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
            try {
                Socket client = connect(lb);
                client.getOutputStream().write(new WarmupTraffic(lb.config(), lb.port()).raceRequest("alone"));
                await().atMost(Duration.ofSeconds(5)).until(() -> backend.requests().size() == 1);
                client.setSoLinger(true, 0);
                client.close();
                await().atMost(Duration.ofSeconds(5)).until(() -> lb.clientConnections() == 0);
                answer.countDown();

                assertThat(get(lb)).isEqualTo("ok");
                assertThat(backend.connections()).isEqualTo(2);
                assertThat(clientErrors()).hasSize(1).allMatch(e -> e.contains("recvAddress"));
            } finally {
                answer.countDown();
                lb.close();
            }
        }
    }

    @Test
    void eachSideGivesUpOnAPartnerThatNeverComes() throws Exception {
        ResetRace race = new ResetRace();
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket peer = server.accept()) {
            // The client's side: no answer was offered, so no race; the client is reset all the same.
            assertThat(race.resetAsAnswerArrives("nobody", client, List.of(), false)).isFalse();
            assertThat(client.isClosed()).isTrue();
            InputStream in = peer.getInputStream();
            assertThatThrownBy(in::read).isInstanceOf(SocketException.class).hasMessageContaining("reset");

            // The responder's side: nobody took the answer, so it goes out as usual.
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            race.answerLater("unclaimed", out, OK);
            assertThat(out.toByteArray()).isEqualTo(OK);
        }
    }

    /** The client connection errors the proxy logged (at debug level). */
    private List<String> clientErrors() {
        return logs.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("failed")).toList();
    }

    private static Socket connect(LoadBalancer lb) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), lb.port());
        s.setTcpNoDelay(true);
        return s;
    }

    private static String get(LoadBalancer lb) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lb.port() + "/next")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
