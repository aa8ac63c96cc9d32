package io.stickylb.cli;

import io.stickylb.config.ConfigException;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.StrategyNames;
import io.stickylb.server.LoadBalancer;
import io.stickylb.server.PortInUseException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code lb demo}: sample backends in this JVM and the proxy in front of them, configured from the embedded default
 * config, plus a few commands to try. Ctrl-C stops the proxy, then the backends.
 */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Starts sample backends b1..bN in this process and stickylb in front of them, configured like "
                    + "config/lb.yaml, and prints what to try.",
            "Ctrl-C stops the proxy, then the backends."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped with Ctrl-C", "1:could not start (e.g. the port is in use)", "2:bad option"})
final class DemoCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(DemoCommand.class);
    static final int MAX_BACKENDS = 32;

    @Spec
    CommandSpec spec;

    @ParentCommand
    LbCommand parent;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", defaultValue = "8080",
            description = "Port of the proxy on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = {"-s", "--strategy"}, paramLabel = "NAME", completionCandidates = Strategies.class,
            description = "Load-balancing strategy: ${COMPLETION-CANDIDATES} (default: the one in config/lb.yaml).")
    String strategy;

    @Option(names = {"-n", "--backends"}, paramLabel = "N", defaultValue = "3",
            description = "How many sample backends to start, 1.." + MAX_BACKENDS + " (default: ${DEFAULT-VALUE}).")
    int backends;

    @Override
    public Integer call() throws InterruptedException {
        validateOptions();
        LoadBalancerConfig defaults;
        try {
            defaults = DemoConfig.defaults();
        } catch (ConfigException e) {
            return fail(e.getMessage(), LbCommand.BAD_CONFIG);
        }
        DemoBackends samples = DemoBackends.start(backends);
        LoadBalancer lb;
        try {
            lb = new LoadBalancer(DescriptorAdvice.atStart(DescriptorAdvice.PER_CLIENT_WITH_LOCAL_BACKENDS, log)
                    .apply(DemoConfig.build(defaults, port, strategy, samples.configs())));
        } catch (IllegalArgumentException e) {
            // e.g. a strategy that needs settings the default config does not have
            samples.close();
            String what = strategy == null ? "error: " : "error: --strategy " + strategy + ": ";
            return fail(what + e.getMessage(), LbCommand.BAD_CONFIG);
        }
        Lifecycle lifecycle = parent.lifecycle();
        lifecycle.begin(() -> {
            lb.close();
            samples.close();
        });
        try {
            lb.start();
        } catch (RuntimeException e) {
            lifecycle.end();
            samples.close();
            if (e instanceof PortInUseException) {
                return fail("error: " + e.getMessage() + " (choose another port with --port)", LbCommand.FAILURE);
            }
            throw e;
        }
        try {
            String used = lb.config().pools().values().iterator().next().strategy();
            DemoHints.print(spec.commandLine().getOut(), lb.port(), used, samples.configs());
            while (lifecycle.next() == Lifecycle.Request.RELOAD) {
                log.info("SIGHUP ignored: the demo has no config file to reload");
            }
        } finally {
            // After the drain, as in lb run: a signal during it must not reach the JVM's default handlers.
            lb.close();
            samples.close();
            lifecycle.end();
        }
        return LbCommand.OK;
    }

    private void validateOptions() {
        if (port < 0 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "--port: " + port + " (expected: 0..65535)");
        }
        if (backends < 1 || backends > MAX_BACKENDS) {
            throw new ParameterException(spec.commandLine(),
                    "--backends: " + backends + " (expected: 1.." + MAX_BACKENDS + ")");
        }
        if (strategy != null && !StrategyNames.STRATEGIES.contains(strategy)) {
            throw new ParameterException(spec.commandLine(), "--strategy: '" + strategy + "' (expected one of: "
                    + String.join(", ", StrategyNames.STRATEGIES) + ")");
        }
    }

    private int fail(String message, int code) {
        PrintWriter err = spec.commandLine().getErr();
        err.println(message);
        err.flush();
        return code;
    }

    /** The strategy names for help and shell completion. */
    static final class Strategies extends ArrayList<String> {
        private static final long serialVersionUID = 1L;

        Strategies() {
            super(StrategyNames.STRATEGIES);
        }
    }
}
