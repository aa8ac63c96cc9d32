package io.stickylb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.TimeZone;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link LineLayout} prints exactly what logback's pattern layout printed for the same events. */
class LineLayoutTest {

    private final LoggerContext context = new LoggerContext();
    private final Logger logger = context.getLogger("io.stickylb.test");

    @AfterEach
    void stop() {
        context.stop();
    }

    @ParameterizedTest(name = "stamped={0}: {1}")
    @CsvSource(delimiter = '|', value = {"true | %d{HH:mm:ss.SSS} %-5level %msg%n", "false | %msg%n"})
    void aLineIsWhatThePatternPrinted(boolean stamped, String format) {
        PatternLayout pattern = pattern(format);
        LineLayout lines = layout(stamped);

        for (ILoggingEvent e : events()) {
            assertThat(lines.doLayout(e)).isEqualTo(pattern.doLayout(e));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"UTC", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham", "Europe/Berlin"})
    void theTimeIsLocalInEveryZoneAcrossMidnightAndSummerTime(String zone) {
        TimeZone before = TimeZone.getDefault();
        try {
            TimeZone.setDefault(TimeZone.getTimeZone(zone));
            PatternLayout pattern = pattern("%d{HH:mm:ss.SSS} %-5level %msg%n");
            LineLayout lines = layout(true);
            for (String local : List.of("2026-03-29T01:59:59.999", "2026-03-29T03:00:00.000", "2026-10-25T02:30:00.5",
                    "2026-12-31T23:59:59.999", "2027-01-01T00:00:00.001", "1969-12-31T23:59:59.950")) {
                long millis = LocalDateTime.parse(local).atZone(ZoneId.of(zone)).toInstant().toEpochMilli();
                LoggingEvent e = event(Level.INFO, "at {}", local);
                e.setTimeStamp(millis);

                assertThat(lines.doLayout(e)).as(zone + " " + local).isEqualTo(pattern.doLayout(e));
            }
        } finally {
            TimeZone.setDefault(before);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"UTC", "Asia/Kolkata", "America/St_Johns"})
    void anAccessLineStartsWithItsDateAndTimeInUtcInEveryZone(String zone) {
        TimeZone before = TimeZone.getDefault();
        try {
            TimeZone.setDefault(TimeZone.getTimeZone(zone));
            PatternLayout pattern = pattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSS'Z',UTC} %msg%n");
            LineLayout lines = LineLayout.access();
            lines.setContext(context);
            lines.start();
            for (String utc : List.of("2026-12-31T23:59:59.999", "2027-01-01T00:00:00.001", "2026-03-29T01:00:00",
                    "1969-12-31T23:59:59.950")) {
                long millis = LocalDateTime.parse(utc).atZone(ZoneId.of("UTC")).toInstant().toEpochMilli();
                LoggingEvent text = event(Level.INFO, "127.0.0.1 \"GET /\" 200 5 pool=app");
                text.setTimeStamp(millis);
                assertThat(lines.doLayout(text)).as(zone + " " + utc).isEqualTo(pattern.doLayout(text));

                LoggingEvent json = event(Level.INFO, "{\"client\":\"127.0.0.1\",\"status\":200}");
                json.setTimeStamp(millis);
                String stamp = pattern.doLayout(text).substring(0, 24);
                assertThat(lines.doLayout(json)).isEqualTo("{\"time\":\"" + stamp + "\",\"client\":\"127.0.0.1\","
                        + "\"status\":200}" + System.lineSeparator());
            }
        } finally {
            TimeZone.setDefault(before);
        }
    }

    private List<ILoggingEvent> events() {
        LoggingEvent withCause = event(Level.ERROR, "reload failed: {}", "boom");
        withCause.setThrowableProxy(new ch.qos.logback.classic.spi.ThrowableProxy(
                new IllegalStateException("outer", new UncheckedIOException(new IOException("inner")))));
        return List.of(event(Level.INFO, "ready: SIGHUP reloads {}", "lb.yaml"), event(Level.WARN, "plain"),
                event(Level.ERROR, "e"), event(Level.DEBUG, "{} and {}", 1, 2), event(Level.TRACE, ""),
                event(Level.INFO, "a line\nand another"), withCause);
    }

    private LoggingEvent event(Level level, String message, Object... args) {
        return new LoggingEvent(Logger.class.getName(), logger, level, message, null, args);
    }

    private PatternLayout pattern(String pattern) {
        PatternLayout layout = new PatternLayout();
        layout.setContext(context);
        layout.setPattern(pattern);
        layout.start();
        return layout;
    }

    private LineLayout layout(boolean stamped) {
        LineLayout layout = new LineLayout(stamped);
        layout.setContext(context);
        layout.start();
        return layout;
    }
}
