package io.stickylb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

class LbCommandTest {

    @Test
    void leakDetectionIsOffInProductionUnlessTheOperatorAsksForIt() {
        io.netty.util.ResourceLeakDetector.Level before = io.netty.util.ResourceLeakDetector.getLevel();
        String property = System.getProperty("io.netty.leakDetection.level");
        try {
            LbCommand.productionLeakDetection();
            assertThat(io.netty.util.ResourceLeakDetector.getLevel()).as("asked for with -D (tests run PARANOID)")
                    .isEqualTo(before);
            System.clearProperty("io.netty.leakDetection.level");
            LbCommand.productionLeakDetection();
            assertThat(io.netty.util.ResourceLeakDetector.getLevel())
                    .isEqualTo(io.netty.util.ResourceLeakDetector.Level.DISABLED);
        } finally {
            if (property != null) {
                System.setProperty("io.netty.leakDetection.level", property);
            }
            io.netty.util.ResourceLeakDetector.setLevel(before);
        }
    }

    @Test
    void nettyFlightRecorderEventsAreOffUnlessTheOperatorAsksForThem() {
        String property = System.getProperty(LbCommand.NETTY_JFR);
        try {
            System.clearProperty(LbCommand.NETTY_JFR);
            LbCommand.noNettyFlightRecorderEvents();
            assertThat(System.getProperty(LbCommand.NETTY_JFR)).isEqualTo("false");

            System.setProperty(LbCommand.NETTY_JFR, "true");
            LbCommand.noNettyFlightRecorderEvents();
            assertThat(System.getProperty(LbCommand.NETTY_JFR)).as("the operator's -D wins").isEqualTo("true");
        } finally {
            if (property == null) {
                System.clearProperty(LbCommand.NETTY_JFR);
            } else {
                System.setProperty(LbCommand.NETTY_JFR, property);
            }
        }
    }

    @Test
    void versionNamesTheBuildTheJvmAndTheTransport() {
        Cli.Result r = Cli.run("--version");

        assertThat(r.exitCode()).isZero();
        String[] lines = r.out().split("\\R");
        assertThat(lines[0]).matches("stickylb \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
        assertThat(lines[1]).startsWith("Java " + System.getProperty("java.version"));
        assertThat(lines[2])
                .matches("transport: (epoll|nio|io_uring) \\(auto\\); io-uring (available|not available \\(.+\\))");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "run --help", "validate --help", "demo --help", "help", "help run", "-h"})
    void helpWorksEverywhere(String args) {
        Cli.Result r = Cli.run(args.split(" "));

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("Usage: lb");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void topLevelHelpListsTheSubcommandsAndExitCodes() {
        Cli.Result r = Cli.run("--help");

        assertThat(r.out()).contains("run", "validate", "demo", "Exit codes:", "--log-level");
    }

    @Test
    void noSubcommandIsAUsageError() {
        Cli.Result r = Cli.run();

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("Missing required subcommand").as("lb alone lists the commands")
                .contains("Commands:", "validate");
    }

    @Test
    void anUnknownOptionIsAUsageError() {
        Cli.Result r = Cli.run("run", "--config", "x.yaml", "--frobnicate");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--frobnicate");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "run --bogus                      | lb run   | Unknown option: '--bogus'",
        "run --config x.yaml --bogus      | lb run   | Unknown option: '--bogus'",
        "run --config                     | lb run   | Missing required parameter for option '--config' (FILE)",
        "validate --config x.yaml --frob  | lb validate | Unknown option: '--frob'",
        "frobnicate                       | lb       | Unmatched argument at index 0: 'frobnicate'",
        "--log-level loud                 | lb       | Invalid value for option '--log-level'"})
    void aUsageErrorPrintsTheErrorAndAHintInsteadOfTheWholeHelp(String args, String command, String error) {
        Cli.Result r = Cli.run(args.split(" "));

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        String[] lines = r.err().split("\\R");
        assertThat(lines[0]).startsWith(error);
        assertThat(lines[lines.length - 1]).isEqualTo("Try '" + command + " --help' for more information.");
        assertThat(r.err()).doesNotContain("Usage:");
        assertThat(lines.length).as("the error, at most one more (picocli's), the hint").isLessThanOrEqualTo(3);
    }

    @Test
    void aMisspeltCommandGetsASuggestionAndTheHint() {
        Cli.Result r = Cli.run("stauts");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo(String.join(System.lineSeparator(), "Unmatched argument at index 0: 'stauts'",
                "Did you mean: lb status?", "Try 'lb --help' for more information.", ""));

        Cli.Result noSuggestion = Cli.run("rnu");
        assertThat(noSuggestion.err()).as("picocli suggests nothing for a transposition: the names instead")
                .isEqualTo(String.join(System.lineSeparator(), "Unmatched argument at index 0: 'rnu'",
                        "Commands: run, validate, demo, status, backend, reload, experiment, help",
                        "Try 'lb --help' for more information.", ""));
    }

    @Test
    void aBadListenAddressIsAUsageError() {
        Cli.Result r = Cli.run("run", "--config", "x.yaml", "--listen", "localhost");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--listen").contains("host:port");
    }

    @Test
    void badWorkersIsAUsageError() {
        Cli.Result r = Cli.run("run", "--config", "x.yaml", "--workers", "0");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("auto or 1..256");
    }

    @Test
    void logLevelSetsTheRootLoggerOnTheTopCommandAndOnSubcommands() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Level before = root.getLevel();
        String config = Cli.configDir().resolve("lb.yaml").toString();
        try {
            assertThat(Cli.run("--log-level", "debug", "validate", "--config", config).exitCode()).isZero();
            assertThat(root.getLevel()).isEqualTo(Level.DEBUG);

            assertThat(Cli.run("validate", "--log-level", "ERROR", "--config", config).exitCode()).isZero();
            assertThat(root.getLevel()).isEqualTo(Level.ERROR);

            assertThat(Cli.run("--log-level", "loud", "validate", "--config", config).exitCode()).isEqualTo(2);
        } finally {
            root.setLevel(before);
        }
    }
}
