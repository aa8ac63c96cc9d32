package io.stickylb.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Run-time adjustments of the Logback setup ({@link LogSetup}); harmless no-ops under any other SLF4J binding. */
final class Logging {

    private Logging() {
    }

    /** Sets the root logger's level ({@code --log-level}); the access logger keeps its own level. */
    static void setRootLevel(String level) {
        if (LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
            root.setLevel(Level.toLevel(level, Level.INFO));
        }
    }

    /** Flushes and stops the appenders, so queued access-log lines are written before the JVM exits. */
    static void stop() {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (factory instanceof LoggerContext context) {
            context.stop();
        }
    }
}
