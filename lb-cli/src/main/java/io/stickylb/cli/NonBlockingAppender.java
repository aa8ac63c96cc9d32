package io.stickylb.cli;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded queue in front of a console appender that never makes a logging thread wait: an event loop that logs
 * while the terminal or pipe is stuck drops the line instead of stalling every connection it serves. Dropped lines
 * are counted, and the count is reported as a warning on the console log once there is room again.
 */
final class NonBlockingAppender extends AsyncAppender {

    private final AtomicLong dropped = new AtomicLong();
    private final String what;
    /** The console log's own appender reports into its queue; the access log reports through the console log. */
    private final boolean reportsItself;

    /**
     * {@code what} names the lines in the report ("log", "access log"); {@code reportsItself}: the report goes into
     * this appender's own queue rather than to the root logger.
     */
    NonBlockingAppender(LoggerContext context, String name, String what, int queueSize, boolean reportsItself) {
        this.what = what;
        this.reportsItself = reportsItself;
        setContext(context);
        setName(name);
        setQueueSize(queueSize);
        setNeverBlock(true);
        // Logback drops INFO and below once the queue is 80 % full by default; here nothing is dropped before it is
        // full, and then everything is counted.
        setDiscardingThreshold(0);
        setIncludeCallerData(false);
        // At stop, queued lines get a second to reach the console; one that never drains must not keep the process
        // alive (0 would wait for ever).
        setMaxFlushTime(1000);
    }

    @Override
    protected void append(ILoggingEvent event) {
        if (getRemainingCapacity() == 0) {
            // A line another thread takes the last place from is dropped uncounted, so the count is a lower bound.
            dropped.incrementAndGet();
            return;
        }
        reportDropped();
        super.append(event);
    }

    @Override
    public void stop() {
        if (isStarted()) {
            reportDropped();
        }
        super.stop();
    }

    private void reportDropped() {
        // Only with room for the report and the line after it, so that reporting never costs a line of its own.
        if (dropped.get() == 0 || getRemainingCapacity() < 2) {
            return;
        }
        long lost = dropped.getAndSet(0);
        if (lost == 0) {
            return;
        }
        String message = lost + " " + what + " line" + (lost == 1 ? "" : "s")
                + " dropped: the console did not take them as fast as they were logged";
        Logger logger = ((LoggerContext) getContext()).getLogger(LogSetup.class);
        if (reportsItself) {
            super.append(new LoggingEvent(Logger.FQCN, logger, Level.WARN, message, null, null));
        } else {
            logger.warn(message);
        }
    }
}
