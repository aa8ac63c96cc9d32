package io.stickylb.cli;

import java.io.PrintWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns an unexpected exception from a subcommand into one {@code error: ...} line on stderr and exit code 1 instead of
 * a stack trace (the trace goes to the debug log). Expected failures (bad config, port in use) are handled by the
 * commands themselves, so they behave the same without this handler.
 */
final class ErrorHandler implements IExecutionExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ErrorHandler.class);

    @Override
    public int handleExecutionException(Exception ex, CommandLine commandLine, ParseResult parseResult) {
        log.debug("{} failed", commandLine.getCommandName(), ex);
        PrintWriter err = commandLine.getErr();
        err.println("error: " + describe(ex));
        err.flush();
        return LbCommand.FAILURE;
    }

    /** The exception's message, or its type when it has none (an NPE says more as "NullPointerException"). */
    static String describe(Throwable t) {
        String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
    }
}
