package io.stickylb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
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
        assertThat(r.err()).contains("Missing required subcommand");
    }

    @Test
    void anUnknownOptionIsAUsageError() {
        Cli.Result r = Cli.run("run", "--config", "x.yaml", "--frobnicate");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--frobnicate");
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
