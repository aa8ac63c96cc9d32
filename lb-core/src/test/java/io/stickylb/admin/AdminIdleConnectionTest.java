package io.stickylb.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Admin connections that bring no complete request are closed after the idle timeout, in virtual time: one that
 * sends nothing, one that never finishes its head, and one kept alive after its answer; never one owed an answer.
 */
class AdminIdleConnectionTest {

    private static final Duration IDLE = Duration.ofSeconds(60);

    /** A slow answer, as a reload's: completed by the test. */
    private final CompletableFuture<ApiResponse> slow = new CompletableFuture<>();
    private final EmbeddedChannel ch = new EmbeddedChannel(new HttpServerCodec(), new HttpObjectAggregator(1024),
            new AdminHandler(new Routes()
                    .get("/live", r -> CompletableFuture.completedFuture(
                            ApiResponse.error(HttpResponseStatus.OK, "live")))
                    .post("/slow", r -> slow), new BearerAuth(null), new HostCheck(() -> false, "127.0.0.1"),
                    new RefusalLog(), IDLE));

    @AfterEach
    void release() {
        ch.finishAndReleaseAll();
    }

    private void advance(Duration d) {
        ch.advanceTimeBy(d.toNanos(), TimeUnit.NANOSECONDS);
        ch.runPendingTasks();
        ch.runScheduledPendingTasks();
    }

    private void send(String raw) {
        ch.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
        ch.runPendingTasks();
    }

    private String answer() {
        StringBuilder sb = new StringBuilder();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return sb.toString();
    }

    @Test
    void aConnectionThatSendsNothingIsClosed() {
        advance(IDLE.minusSeconds(1));
        assertThat(ch.isOpen()).isTrue();
        advance(Duration.ofSeconds(1));
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void aHeadTrickledLineByLineDoesNotKeepTheConnection() {
        for (int i = 0; i < 59; i++) {
            send(i == 0 ? "GET /live HTTP/1.1\r\n" : "X-" + i + ": y\r\n");
            advance(Duration.ofSeconds(1));
        }
        send("X-last: y\r\n");
        advance(Duration.ofSeconds(1));
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void aKeptAliveConnectionHasItsIdleTimeAfterEachAnswer() {
        advance(IDLE.minusSeconds(1));
        send("GET /live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertThat(answer()).startsWith("HTTP/1.1 200 OK");
        advance(IDLE.minusSeconds(1));
        assertThat(ch.isOpen()).as("idle time restarts with the answer").isTrue();
        advance(Duration.ofSeconds(1));
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void aConnectionWaitingForItsAnswerIsNotClosed() {
        send("POST /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n");
        advance(IDLE.multipliedBy(2));
        assertThat(ch.isOpen()).isTrue();
        slow.complete(ApiResponse.error(HttpResponseStatus.OK, "done"));
        ch.runPendingTasks();
        assertThat(answer()).startsWith("HTTP/1.1 200 OK").contains("done");
        advance(IDLE);
        assertThat(ch.isOpen()).isFalse();
    }
}
