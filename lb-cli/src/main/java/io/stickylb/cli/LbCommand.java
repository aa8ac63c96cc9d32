package io.stickylb.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The top-level {@code lb} command. It only holds the global options and the subcommands; each subcommand is its own
 * class. It is not executable itself, so {@code lb} alone is a usage error listing the subcommands. Exit codes:
 * {@link #OK}, {@link #FAILURE} (cannot start, port in use), {@link #BAD_CONFIG} (invalid config or command-line usage).
 */
@Command(name = "lb",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "stickylb: a sticky-session reverse-proxy HTTP load balancer.",
        subcommands = {RunCommand.class, ValidateCommand.class, DemoCommand.class, StatusCommand.class, BackendCommand.class, ReloadCommand.class, ExperimentCommand.class, HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:ok",
            "1:runtime failure (cannot start, e.g. the listen port is in use)",
            "2:invalid configuration or command-line usage"})
public final class LbCommand {

    /** Success, including a clean shutdown after SIGTERM or Ctrl-C. */
    public static final int OK = 0;
    /** A runtime failure: the listener cannot bind, a backend cannot start. */
    public static final int FAILURE = 1;
    /** An invalid configuration or command line (picocli's usage-error code is the same). */
    public static final int BAD_CONFIG = 2;

    /** Levels accepted by {@code --log-level}. */
    enum LogLevel { ERROR, WARN, INFO, DEBUG, TRACE }

    private final Lifecycle lifecycle;

    public LbCommand() {
        this(null);
    }

    /** With a lifecycle that tests drive by hand; {@code null} means: stop and reload on process signals. */
    LbCommand(Lifecycle lifecycle) {
        this.lifecycle = lifecycle;
    }

    @Option(names = "--log-level", paramLabel = "LEVEL", scope = ScopeType.INHERIT,
            description = "Log level: ${COMPLETION-CANDIDATES} (default: info). The access log is switched separately.")
    void logLevel(LogLevel level) {
        Logging.setRootLevel(level.name());
    }

    /** The stop and reload requests a foreground command ({@code run}, {@code demo}) waits for. */
    Lifecycle lifecycle() {
        return lifecycle != null ? lifecycle : Lifecycle.onProcessSignals();
    }

    /** The configured command line: what main uses, and what tests should use to get the same behaviour. */
    static CommandLine commandLine(LbCommand command) {
        return new CommandLine(command)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(new ErrorHandler());
    }

    public static void main(String[] args) {
        productionLeakDetection();
        int code = commandLine(new LbCommand()).execute(args);
        Logging.stop();
        System.exit(code);
    }

    /**
     * Netty's default leak detector samples buffer allocations with stack traces, about 7% of throughput here. The
     * test suites run it at PARANOID on every path (fuzz and soak included); in production it is off unless the
     * operator asks for it with {@code -Dio.netty.leakDetection.level=simple}.
     */
    static void productionLeakDetection() {
        if (System.getProperty("io.netty.leakDetection.level") == null
                && System.getProperty("io.netty.leakDetectionLevel") == null) {
            io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
        }
    }
}
