package io.stickylb.admin;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A page that retries a refused request in a loop gets one WARN a minute, not one per request. */
class RefusalLogTest {

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(RefusalLog.class);
    private final AtomicLong now = new AtomicLong(5_000);
    private final RefusalLog refusals = new RefusalLog(now::get);

    @BeforeEach
    void captureLogs() {
        logs.start();
        logger.addAppender(logs);
    }

    @AfterEach
    void stop() {
        logger.detachAppender(logs);
    }

    private long warnings() {
        return logs.list.stream().filter(e -> e.getLevel() == Level.WARN).count();
    }

    private void refuse(int n) {
        for (int i = 0; i < n; i++) {
            refusals.refused("127.0.0.1:5000", "POST", "/api/reload", "cross-site request refused");
        }
    }

    @Test
    void aFloodIsOneWarningThenOneAMinuteWithTheCountBetween() {
        refuse(1_000);
        assertThat(warnings()).isEqualTo(1);
        assertThat(logs.list.get(0).getFormattedMessage())
                .isEqualTo("admin refused POST /api/reload from 127.0.0.1:5000: cross-site request refused");

        now.addAndGet(TimeUnit.SECONDS.toNanos(59));
        refuse(10);
        assertThat(warnings()).isEqualTo(1);

        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        refuse(1);
        assertThat(warnings()).isEqualTo(2);
        assertThat(logs.list.stream().filter(e -> e.getLevel() == Level.WARN).reduce((a, b) -> b).orElseThrow()
                .getFormattedMessage()).endsWith("(1009 more since the last warning, logged at DEBUG)");
    }
}
