package io.stickylb.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import java.util.TimeZone;

/**
 * A console line: what logback's {@code "%d{HH:mm:ss.SSS} %-5level %msg%n"} prints (or {@code "%msg%n"} unstamped),
 * stack trace included, written directly. Logback's pattern layout builds some sixty converters when it starts, which
 * took 70 ms of a 0.9 s start on a slow machine.
 */
final class LineLayout extends LayoutBase<ILoggingEvent> {

    private static final long MILLIS_PER_DAY = 86_400_000L;
    private static final int LEVEL_WIDTH = 5;

    private final boolean stamped;
    private final TimeZone zone = TimeZone.getDefault();

    /** {@code stamped}: local time and level before the message, as the console log has; the access log has neither. */
    LineLayout(boolean stamped) {
        this.stamped = stamped;
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder line = new StringBuilder(128);
        if (stamped) {
            appendLocalTime(line, event.getTimeStamp());
            line.append(' ');
            String level = event.getLevel().toString();
            line.append(level);
            for (int i = level.length(); i < LEVEL_WIDTH; i++) {
                line.append(' ');
            }
            line.append(' ');
        }
        line.append(event.getFormattedMessage()).append(CoreConstants.LINE_SEPARATOR);
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            line.append(ThrowableProxyUtil.asString(thrown)); // ends with a line separator
        }
        return line.toString();
    }

    private void appendLocalTime(StringBuilder line, long epochMillis) {
        long millisOfDay = Math.floorMod(epochMillis + zone.getOffset(epochMillis), MILLIS_PER_DAY);
        long seconds = millisOfDay / 1000;
        twoDigits(line, seconds / 3600).append(':');
        twoDigits(line, seconds / 60 % 60).append(':');
        twoDigits(line, seconds % 60).append('.');
        long millis = millisOfDay % 1000;
        line.append((char) ('0' + millis / 100));
        twoDigits(line, millis % 100);
    }

    private static StringBuilder twoDigits(StringBuilder line, long value) {
        return line.append((char) ('0' + value / 10)).append((char) ('0' + value % 10));
    }
}
