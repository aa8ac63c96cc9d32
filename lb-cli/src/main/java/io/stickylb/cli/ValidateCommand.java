package io.stickylb.cli;

import io.stickylb.config.ConfigException;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.PoolAdvice;
import io.stickylb.config.PoolConfig;
import io.stickylb.pool.Transport;
import io.stickylb.pool.TransportUnavailableException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lb validate --config FILE}: loads and checks a config file without starting anything. */
@Command(name = "validate",
        mixinStandardHelpOptions = true,
        description = {
            "Checks a config file without starting anything.",
            // One paragraph: picocli wraps each array element on its own, which broke these lines mid-sentence.
            "Prints FILE: OK (pools, backends, routes) or the error with file, line and key path; warnings"
                    + " (settings that work, but maybe not as meant, and backend host names that do not resolve"
                    + " here within 2s) go to stderr and do not fail the check."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the file is valid", "2:the file is invalid or unreadable"})
final class ValidateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The YAML config file.")
    Path config;

    private final HostNameCheck hostNames = new HostNameCheck();

    @Override
    public Integer call() throws InterruptedException {
        LoadBalancerConfig loaded;
        List<String> fileWarnings = new ArrayList<>();
        try {
            loaded = ConfigFiles.load(config, fileWarnings::add);
        } catch (ConfigException e) {
            spec.commandLine().getErr().println(e.getMessage());
            spec.commandLine().getErr().flush();
            return LbCommand.BAD_CONFIG;
        }
        spec.commandLine().getOut().println(config + ": OK (" + ConfigFiles.summary(loaded) + ")");
        spec.commandLine().getOut().flush();
        PrintWriter err = spec.commandLine().getErr();
        fileWarnings.forEach(w -> err.println("warning: " + w));
        warnIfTransportCannotLoad(loaded);
        for (PoolConfig pool : loaded.pools().values()) {
            for (String advice : PoolAdvice.of(pool)) {
                err.println("warning: " + advice);
            }
        }
        err.flush();
        // Last: it may take up to its bound, and what is known already should be on the screen meanwhile.
        for (String unresolved : hostNames.warnings(loaded)) {
            err.println("warning: " + unresolved);
        }
        err.flush();
        return LbCommand.OK;
    }

    /** The file may be meant for another machine, so this is a warning on stderr, not a failure. */
    private void warnIfTransportCannotLoad(LoadBalancerConfig loaded) {
        try {
            Transport.forChoice(loaded.transport());
        } catch (TransportUnavailableException e) {
            spec.commandLine().getErr().println("warning: " + e.getMessage() + "; lb run would stop with exit 1 on"
                    + " this machine");
            spec.commandLine().getErr().flush();
        }
    }
}
