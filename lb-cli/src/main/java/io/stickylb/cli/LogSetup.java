package io.stickylb.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The {@code lb} command's logging, configured in code: parsing a {@code logback.xml} cost about 100 ms of the
 * one-second start-up budget, and the lines are laid out by {@link LineLayout} rather than a pattern. An operator's
 * own file still wins: with {@code -Dlogback.configurationFile=FILE} (or a {@code logback-test.xml} on the class
 * path) this steps aside.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogSetup extends ContextAwareBase implements Configurator {

    /** The access log's logger: its own level and appender, so {@code --log-level} leaves it alone. */
    static final String ACCESS_LOGGER = "stickylb.access";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty(ContextInitializer.CONFIG_FILE_PROPERTY) != null
                || LogSetup.class.getClassLoader().getResource(ContextInitializer.TEST_AUTOCONFIG_FILE) != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        apply(context);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /**
     * Installs the console log and the access log into {@code context}. Both are asynchronous and never block: a
     * warning logged on an event loop while the terminal or pipe is stuck (a paused {@code less}, a log shipper that
     * stopped reading) drops the line and counts it, where a synchronous console would stall every connection of that
     * loop until the pipe drains.
     */
    static void apply(LoggerContext context) {
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        NonBlockingAppender console = new NonBlockingAppender(context, "CONSOLE", "log", 1024, true);
        console.addAppender(console(context, "CONSOLE_OUT", new LineLayout(true)));
        console.start();
        root.addAppender(console);
        context.getLogger("io.netty").setLevel(Level.WARN);

        // One line per request, already formatted by stickylb; a queue of its own, so a burst of requests cannot
        // crowd out a warning.
        NonBlockingAppender access = new NonBlockingAppender(context, "ACCESS", "access log", 8192, false);
        access.addAppender(console(context, "ACCESS_CONSOLE", LineLayout.access()));
        access.start();
        Logger accessLogger = context.getLogger(ACCESS_LOGGER);
        accessLogger.setLevel(Level.INFO);
        accessLogger.setAdditive(false);
        accessLogger.addAppender(access);
    }

    private static ConsoleAppender<ILoggingEvent> console(LoggerContext context, String name, LineLayout layout) {
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName(name);
        appender.setEncoder(encoder);
        appender.start();
        return appender;
    }
}
