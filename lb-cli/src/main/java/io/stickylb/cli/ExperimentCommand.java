package io.stickylb.cli;

import ch.qos.logback.classic.Level;
import io.stickylb.config.ConfigException;
import io.stickylb.config.Durations;
import io.stickylb.lab.Experiment;
import io.stickylb.lab.ExperimentResult;
import io.stickylb.lab.LabException;
import io.stickylb.lab.Progress;
import io.stickylb.lab.Scenario;
import io.stickylb.lab.ScenarioLoader;
import io.stickylb.lab.SummaryTable;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code lb experiment --scenario FILE}: runs a lab scenario (every strategy against the same clients and faults)
 * and writes results.json, results.csv and report.html. Ctrl-C ends the current run early and still writes what was
 * measured; every backend and Redis process it started is stopped.
 */
@Command(name = "experiment",
        mixinStandardHelpOptions = true,
        description = {
            "Runs a lab scenario: sample backends, stickylb once per strategy, the same seeded clients and faults.",
            "Writes DIR/results.json, DIR/results.csv and DIR/report.html and prints a summary table.",
            "Scenarios to start from: config/experiments/*.yaml."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the experiment ran (also after Ctrl-C: what was measured is written)",
            "1:it could not run (a backend or redis-server would not start, the output cannot be written)",
            "2:the scenario file is invalid"})
final class ExperimentCommand implements Callable<Integer> {

    private static final long STOP_PATIENCE_SECONDS = 30;

    @Spec
    CommandSpec spec;

    @Option(names = {"-s", "--scenario"}, required = true, paramLabel = "FILE", description = "The scenario YAML file.")
    Path scenarioFile;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR",
            description = "Where the results go (default: lab-results/<scenario name>).")
    Path out;

    @Option(names = "--seed", paramLabel = "N", description = "Overrides the scenario's seed.")
    Long seed;

    @Option(names = "--duration", paramLabel = "D", converter = DurationConverter.class,
            description = "Overrides the duration of each strategy run (e.g. 10s); fault times scale with it.")
    Duration duration;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter outWriter = spec.commandLine().getOut();
        Scenario scenario;
        try {
            scenario = ScenarioLoader.load(scenarioFile);
        } catch (ConfigException e) {
            err.println(e.getMessage());
            err.flush();
            return LbCommand.BAD_CONFIG;
        }
        if (seed != null) {
            scenario = scenario.withSeed(seed);
        }
        if (duration != null) {
            scenario = scenario.withDuration(duration);
        }
        Path dir = out != null ? out : Path.of("lab-results", scenario.name());
        quietLogs();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.set(true);
            try {
                finished.await(STOP_PATIENCE_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "lab-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        boolean tty = System.console() != null && !"dumb".equals(System.getenv("TERM"));
        outWriter.println("experiment " + scenario.name() + " (" + scenarioFile + "), seed " + scenario.seed() + ", "
                + Durations.format(scenario.duration()) + " per strategy, " + scenario.strategies().size()
                + " strategies; results in " + dir);
        outWriter.flush();
        try {
            ExperimentResult result;
            try {
                result = new Experiment(scenario, dir, new Progress(outWriter, tty), stop).run();
            } catch (LabException e) {
                err.println("error: " + e.getMessage());
                err.flush();
                return LbCommand.FAILURE;
            }
            outWriter.println();
            outWriter.print(SummaryTable.render(result));
            outWriter.println();
            outWriter.println((stop.get() ? "interrupted; what was measured is in " : "results: ")
                    + dir.resolve("results.json") + ", " + dir.resolve("results.csv") + ", "
                    + dir.resolve("report.html"));
            outWriter.flush();
            return LbCommand.OK;
        } finally {
            // On Ctrl-C the hook waits for this: the summary is printed before the JVM goes.
            finished.countDown();
            removeHook(hook);
        }
    }

    /** The progress display is the output; per-start and per-state-change INFO lines of lb-core would bury it. */
    private static void quietLogs() {
        if (LoggerFactory.getLogger("io.stickylb") instanceof ch.qos.logback.classic.Logger lb
                && lb.getEffectiveLevel().isGreaterOrEqual(Level.INFO)) {
            lb.setLevel(Level.WARN);
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // Already shutting down (Ctrl-C): the hook is running and waits for this method's caller.
        }
    }

    /** {@code 250ms}, {@code 10s}, {@code 2m}: the config file syntax. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                Duration d = Durations.parse(value);
                if (d.isZero()) {
                    throw new TypeConversionException("'" + value + "' (expected more than 0)");
                }
                return d;
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
