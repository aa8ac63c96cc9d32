package io.stickylb.sample;

import static io.stickylb.sample.testing.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.stickylb.sample.testing.RawHttpConnection;
import io.stickylb.sample.testing.RawResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sample backend's WebSocket at /ws, driven by the JDK's WebSocket client. */
class WebSocketEndpointTest {

    private SampleBackend backend;

    @BeforeEach
    void start() {
        backend = SampleBackend.startNew("b1");
    }

    @AfterEach
    void stop() {
        backend.stop();
    }

    @Test
    void textMessagesAreAnsweredWithTheBackendAndTheHandshakesSession() throws Exception {
        String session;
        try (RawHttpConnection c = new RawHttpConnection(backend.port())) {
            RawResponse first = c.exchange(RawHttpConnection.get("/"));
            session = json(first.bodyText()).get("session").asText();
        }
        LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .header("Cookie", "JSESSIONID=" + session)
                .buildAsync(URI.create("ws://127.0.0.1:" + backend.port() + "/ws"), new WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            received.add(text.toString());
                            text.setLength(0);
                        }
                        w.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        for (int i = 1; i <= 3; i++) {
            ws.sendText("hello " + i, true).get(5, TimeUnit.SECONDS);
            JsonNode reply = json(received.poll(5, TimeUnit.SECONDS));
            assertThat(reply.get("backend").asText()).isEqualTo("b1");
            assertThat(reply.get("session").asText()).isEqualTo(session);
            assertThat(reply.get("messages").asLong()).isEqualTo(i);
            assertThat(reply.get("echo").asText()).isEqualTo("hello " + i);
        }
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.stats().connectionsOpen() == 0);
    }

    @Test
    void anUnsupportedVersionGets426AndTheConnectionStaysHttp() throws Exception {
        try (RawHttpConnection c = new RawHttpConnection(backend.port())) {
            RawResponse refused = c.exchange(RawHttpConnection.get("/ws", "Connection: Upgrade", "Upgrade: websocket",
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 99"));
            assertThat(refused.status()).isEqualTo(426);
            assertThat(c.exchange(RawHttpConnection.get("/")).status()).isEqualTo(200);
        }
    }
}
