package io.stickylb.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.HelpCommand;

/**
 * The subcommands of {@code lb}, and which of them a command line needs. picocli builds a command's model (reflection
 * over its options and their annotations) when the command is added; for all of them that took 0.2 s of a 1.8 s start
 * on a slow machine, so main adds only the subcommand that the arguments name.
 */
final class Subcommands {

    private static final String LOG_LEVEL = "--log-level";

    /** In the order {@code lb --help} lists them; names as in each class's {@code @Command}. */
    private static final Map<String, Supplier<Object>> ALL = new LinkedHashMap<>();

    static {
        ALL.put("run", RunCommand::new);
        ALL.put("validate", ValidateCommand::new);
        ALL.put("demo", DemoCommand::new);
        ALL.put("status", StatusCommand::new);
        ALL.put("backend", BackendCommand::new);
        ALL.put("reload", ReloadCommand::new);
        ALL.put("experiment", ExperimentCommand::new);
        ALL.put("help", HelpCommand::new);
    }

    private Subcommands() {
    }

    static Set<String> names() {
        return ALL.keySet();
    }

    /**
     * Adds the subcommand that {@code args} name, or every subcommand when they name none (see {@link #named}): for
     * {@code lb --help}, {@code lb help run}, a misspelt name, and no arguments at all.
     */
    static CommandLine addFor(CommandLine lb, String... args) {
        String named = named(args);
        ALL.forEach((name, command) -> {
            if (named == null || named.equals(name)) {
                lb.addSubcommand(name, command.get());
            }
        });
        return lb;
    }

    /**
     * The subcommand named by the first argument that is not {@code --log-level} or its value; null when that argument
     * is not a subcommand ({@code --help}, {@code @argfile}, a typo picocli should suggest a fix for) or is
     * {@code help}, whose output lists the others.
     */
    static String named(String... args) {
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals(LOG_LEVEL)) {
                i++;
            } else if (!arg.startsWith(LOG_LEVEL + "=")) {
                return ALL.containsKey(arg) && !arg.equals("help") ? arg : null;
            }
        }
        return null;
    }
}
