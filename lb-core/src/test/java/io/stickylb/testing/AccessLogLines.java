package io.stickylb.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Captures the access log's lines ({@code stickylb.access}) for a test. Open it before the load balancer starts: the
 * access log is on only while that logger's INFO is enabled when the proxy reads its config. Lines arrive from the
 * event loops, so they are kept in a list safe to read while being written.
 */
public final class AccessLogLines implements AutoCloseable {

    private final Logger logger = (Logger) LoggerFactory.getLogger("stickylb.access");
    private final Level levelBefore = logger.getLevel();
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
            lines.add(event.getFormattedMessage());
        }
    };

    public AccessLogLines() {
        logger.setLevel(Level.INFO);
        appender.start();
        logger.addAppender(appender);
    }

    /** The lines so far, in the order they were logged. */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    public int size() {
        return lines.size();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
        logger.setLevel(levelBefore);
    }
}
