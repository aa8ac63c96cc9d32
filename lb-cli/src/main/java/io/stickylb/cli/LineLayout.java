package io.stickylb.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import java.time.LocalDate;
import java.util.TimeZone;

/**
 * A console line: what logback's {@code "%d{HH:mm:ss.SSS} %-5level %msg%n"} prints (or {@code "%msg%n"} unstamped),
 * stack trace included, written directly; an access log line starts with the date and time in UTC instead. Logback's
 * pattern layout builds some sixty converters when it starts, which took 70 ms of a 0.9 s start on a slow machine.
 */
final class LineLayout extends LayoutBase<ILoggingEvent> {

    private static final long MILLIS_PER_DAY = 86_400_000L;
    private static final int LEVEL_WIDTH = 5;

    private final boolean stamped;
    private final boolean access;
    private final TimeZone zone = TimeZone.getDefault();
    /** The UTC date of the last access line, {@code yyyy-MM-ddT}; one appender thread formats them all. */
    private long accessDay = Long.MIN_VALUE;
    private String accessDate;

    /** {@code stamped}: local time and level before the message, as the console log has. */
    LineLayout(boolean stamped) {
        this(stamped, false);
    }

    private LineLayout(boolean stamped, boolean access) {
        this.stamped = stamped;
        this.access = access;
    }

    /**
     * The access log's lines: each starts with when the request ended, as {@code 2026-12-07T10:45:10.123Z} (a JSON line
     * gets it as its first field, {@code "time"}). Formatted on the appender's thread, so the event loops pay nothing.
     */
    static LineLayout access() {
        return new LineLayout(false, true);
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder line = new StringBuilder(128);
        if (access) {
            String message = event.getFormattedMessage();
            if (message.startsWith("{")) {
                appendUtc(line.append("{\"time\":\""), event.getTimeStamp()).append('"');
                line.append(message.length() > 2 ? "," : "").append(message, 1, message.length());
            } else {
                appendUtc(line, event.getTimeStamp()).append(' ').append(message);
            }
            return line.append(CoreConstants.LINE_SEPARATOR).toString();
        }
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
        appendTimeOfDay(line, Math.floorMod(epochMillis + zone.getOffset(epochMillis), MILLIS_PER_DAY));
    }

    private StringBuilder appendUtc(StringBuilder line, long epochMillis) {
        long day = Math.floorDiv(epochMillis, MILLIS_PER_DAY);
        if (day != accessDay) {
            accessDate = LocalDate.ofEpochDay(day) + "T";
            accessDay = day;
        }
        appendTimeOfDay(line.append(accessDate), Math.floorMod(epochMillis, MILLIS_PER_DAY));
        return line.append('Z');
    }

    /** {@code HH:mm:ss.SSS}. */
    private static void appendTimeOfDay(StringBuilder line, long millisOfDay) {
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
