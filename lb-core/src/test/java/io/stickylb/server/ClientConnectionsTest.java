package io.stickylb.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * {@link ClientConnections}: the max-connections count, and a refusal flood logged as one warning and then one
 * summary per interval. Time is the test's: an event loop with a frozen clock, advanced by hand.
 */
class ClientConnectionsTest {

    private static final long INTERVAL = TimeUnit.SECONDS.toNanos(10);

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(ClientConnections.class);
    private final EmbeddedChannel loop = new EmbeddedChannel();
    private final AtomicLong now = new AtomicLong(1_000);
    private final ClientConnections connections = new ClientConnections(INTERVAL, now::get);

    @BeforeEach
    void captureLogs() {
        logs.start();
        logger.addAppender(logs);
        loop.freezeTime();
    }

    @AfterEach
    void stop() {
        logger.detachAppender(logs);
        loop.finishAndReleaseAll();
    }

    @Test
    void admitsUpToTheLimitAndCountsWhatItAdmits() {
        assertThat(connections.tryOpen(2)).isTrue();
        assertThat(connections.tryOpen(2)).isTrue();
        assertThat(connections.tryOpen(2)).isFalse();
        assertThat(connections.open()).isEqualTo(2);
        connections.closed();
        assertThat(connections.tryOpen(2)).isTrue();
        assertThat(connections.tryOpen(3)).as("a reload raised the limit").isTrue();
        assertThat(connections.open()).isEqualTo(3);
        assertThat(connections.accepted()).isEqualTo(4);
    }

    @Test
    void aFloodOfRefusalsIsOneWarningThenOneSummaryPerInterval() {
        refuse(500);
        assertThat(messages()).singleElement().asString()
                .startsWith("refusing connection from /127.0.0.1:40000: max-connections (100) reached")
                .contains("every 10 s");

        advance(INTERVAL - 1);
        assertThat(messages()).hasSize(1);
        advance(1);
        assertThat(messages()).hasSize(2).last().asString()
                .isEqualTo("refused 499 more connections in the last 10 s: max-connections (100) reached");

        // The flood goes on: still one line per interval, counted from the summary.
        advance(TimeUnit.SECONDS.toNanos(1));
        refuse(1);
        advance(INTERVAL - TimeUnit.SECONDS.toNanos(1) - 1);
        assertThat(messages()).hasSize(2);
        advance(1);
        assertThat(messages()).hasSize(3).last().asString()
                .isEqualTo("refused 1 more connection in the last 10 s: max-connections (100) reached");

        // A quiet interval, and a refusal is news again: logged at once, with the client's address.
        advance(INTERVAL);
        refuse(1);
        assertThat(messages()).hasSize(4).last().asString().startsWith("refusing connection from");
        advance(INTERVAL);
        assertThat(messages()).as("nothing left to summarise").hasSize(4);
        assertThat(connections.refused()).isEqualTo(502);
    }

    private void refuse(int times) {
        for (int i = 0; i < times; i++) {
            connections.refused(new InetSocketAddress("127.0.0.1", 40_000 + i), 100, loop.eventLoop());
        }
    }

    private void advance(long nanos) {
        now.addAndGet(nanos);
        loop.advanceTimeBy(nanos, TimeUnit.NANOSECONDS);
        loop.runScheduledPendingTasks();
    }

    private List<String> messages() {
        return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
}
