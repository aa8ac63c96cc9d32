package io.stickylb.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * A command-line mistake ({@code lb run --bogus}, a missing option value, an unknown command) prints the error and one
 * hint line, {@code Try 'lb run --help' for more information.}, on stderr, as git and GNU tools do: the whole help
 * after it hid the one line that mattered. {@code lb} with no command still lists the commands.
 */
final class UsageErrorHandler implements IParameterExceptionHandler {

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        List<String> unmatched = cmd.getUnmatchedArguments();
        if (!(ex instanceof UnmatchedArgumentException) && !unmatched.isEmpty()) {
            // picocli reports a missing --config before an unknown option; the unknown option is the likelier slip.
            UnmatchedArgumentException unknown = new UnmatchedArgumentException(cmd, unmatched);
            err.println(cmd.getColorScheme().errorText(unknown.getMessage()));
            UnmatchedArgumentException.printSuggestions(unknown, err);
        }
        err.println(cmd.getColorScheme().errorText(ex.getMessage()));
        boolean suggested = UnmatchedArgumentException.printSuggestions(ex, err);
        if (!suggested && isUnknownCommand(ex)) {
            // picocli finds no likely command for a transposition such as "rnu": the names fit on one line.
            err.println("Commands: " + String.join(", ", cmd.getSubcommands().keySet()));
        }
        if (isMissingCommand(ex)) {
            cmd.usage(err, cmd.getColorScheme());
        } else {
            err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        }
        err.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    private static boolean isUnknownCommand(ParameterException ex) {
        return ex instanceof UnmatchedArgumentException unmatched && !unmatched.isUnknownOption()
                && !ex.getCommandLine().getSubcommands().isEmpty();
    }

    /** {@code lb} alone: the list of commands is the answer, not a hint to ask for it. */
    private static boolean isMissingCommand(ParameterException ex) {
        CommandLine cmd = ex.getCommandLine();
        return ex.getClass() == ParameterException.class && ex.getArgSpec() == null
                && !cmd.getSubcommands().isEmpty() && cmd.getParseResult() != null
                && !cmd.getParseResult().hasSubcommand();
    }
}
