package io.stickylb.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The top-level {@code lb} command. It only holds the global options; each subcommand is its own class, added by
 * {@link Subcommands}. It is not executable itself, so {@code lb} alone is a usage error listing the subcommands.
 * Exit codes: {@link #OK}, {@link #FAILURE} (cannot start, port in use), {@link #BAD_CONFIG} (invalid config or
 * command-line usage).
 */
@Command(name = "lb",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "stickylb: a sticky-session reverse-proxy HTTP load balancer.",
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

    static final String NETTY_JFR = "io.netty.jfr.enabled";

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

    /**
     * The configured command line for {@code args}: what main uses, and what tests should use to get the same
     * behaviour. It holds only the subcommand the arguments name, or every subcommand when they name none (no
     * arguments included; start-up time, see {@link Subcommands}).
     */
    static CommandLine commandLine(LbCommand command, String... args) {
        return Subcommands.addFor(new CommandLine(command), args)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler(new UsageErrorHandler())
                .setExecutionExceptionHandler(new ErrorHandler());
    }

    public static void main(String[] args) {
        noNettyFlightRecorderEvents();
        productionLeakDetection();
        int code = commandLine(new LbCommand(), args).execute(args);
        Logging.stop();
        System.exit(code);
    }

    /**
     * Netty's buffer allocators emit Flight Recorder events when JFR is available, and the first chunk allocation then
     * loads JFR's metadata: about 0.1 s on the first request's path. Off unless the operator asks for them with
     * {@code -Dio.netty.jfr.enabled=true}; a JFR recording of the JVM itself is unaffected.
     */
    static void noNettyFlightRecorderEvents() {
        if (System.getProperty(NETTY_JFR) == null) {
            System.setProperty(NETTY_JFR, "false");
        }
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
