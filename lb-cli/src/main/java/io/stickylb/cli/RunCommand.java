package io.stickylb.cli;

import io.stickylb.config.AccessLogConfig;
import io.stickylb.config.ConfigException;
import io.stickylb.config.Endpoint;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.pool.TransportUnavailableException;
import io.stickylb.server.ListenerBindException;
import io.stickylb.server.LoadBalancer;
import io.stickylb.server.PortInUseException;
import io.stickylb.warmup.HeapSettler;
import io.stickylb.warmup.JitWarmup;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code lb run}: loads a config file and runs the load balancer in the foreground until SIGTERM or Ctrl-C, which drain
 * in-flight requests and exit 0. SIGHUP reloads the same file; an invalid file is logged and the running config stays.
 */
@Command(name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the load balancer in the foreground.",
            "SIGTERM or Ctrl-C: graceful shutdown (in-flight requests finish, up to shutdown-timeout).",
            "SIGHUP: reload the config file; an invalid file is logged and the running config is kept."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:stopped cleanly after SIGTERM or Ctrl-C",
            "1:could not start (e.g. the listen address is in use)",
            "2:invalid config file or command line; nothing was started"})
final class RunCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);
    /**
     * A bound for a compiler that never settles; the warm-up normally ends once the compiler has caught up (a few
     * seconds on a fast machine, 15-20 s on a slow shared core), or at its time budget.
     */
    static final long MAX_WARMUP_REQUESTS = 2_000_000;
    private static final Duration WARMUP_STOP_WAIT = Duration.ofSeconds(2);

    @Spec
    CommandSpec spec;

    @ParentCommand
    LbCommand parent;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The YAML config file.")
    Path config;

    @Option(names = "--listen", paramLabel = "HOST:PORT", converter = Converters.EndpointConverter.class,
            description = "Listen here instead of the config's listen address.")
    Endpoint listen;

    @Option(names = "--workers", paramLabel = "N", converter = Converters.WorkersConverter.class,
            description = "Event-loop threads (auto or 1..256) instead of the config's workers.")
    Integer workers;

    @Option(names = "--warmup", paramLabel = "DURATION", defaultValue = "30s",
            converter = Converters.WarmupConverter.class,
            description = {"Longest JIT warm-up after start (default: ${DEFAULT-VALUE}, at most 1m; 0 turns it off):"
                    + " loopback"
                    + " traffic through a private mirror of your routes and pools, on the proxy's own event loops, to a"
                    + " private responder, never to your backends, so the first busy seconds after a start are not"
                    + " spent compiling. It ends once the compiler has caught up (seconds on a fast machine) or real"
                    + " traffic arrives, uses up to one core meanwhile, and ends with one full garbage collection so"
                    + " that start-up's"
                    + " long-lived objects are not copied again by every young collection. After giving way to real"
                    + " traffic it drills new connections through that private instance in the first lulls of the"
                    + " next 5 minutes (up to 10 drills of 2,000, each stopped by the first real request)."})
    Duration warmup;

    private volatile Thread warmupThread;

    @Option(names = "--no-access-log", description = "Turn the access log off, whatever the config says.")
    boolean noAccessLog;

    /** For the build's class-data-sharing training run (lb-cli/pom.xml): a whole start, a warm-up, a clean stop. */
    @Option(names = "--exit-after-warmup", hidden = true,
            description = "Stop gracefully once the warm-up is over (at once with --warmup 0).")
    boolean exitAfterWarmup;

    @Override
    public Integer call() throws InterruptedException {
        LoadBalancerConfig cfg;
        try {
            cfg = load();
        } catch (ConfigException e) {
            return fail(e.getMessage(), LbCommand.BAD_CONFIG);
        }
        if (listen != null && cfg.admin().clashesWith(listen)) {
            // The file's own listen was checked against admin.listen when it was read; --listen was not.
            return fail("--listen " + listen + " is the admin API's address (admin.listen in " + config
                    + "); give the client listener a port of its own", LbCommand.BAD_CONFIG);
        }
        log.info("loaded {} ({})", config, ConfigFiles.summary(cfg));
        UnaryOperator<LoadBalancerConfig> fit = DescriptorAdvice.atStart(DescriptorAdvice.PER_CLIENT, log);
        cfg = fit.apply(cfg);
        LoadBalancer lb;
        try {
            // A reload through the admin API reads the file alone: the command line's overrides must apply to it too,
            // or --listen and --workers would read as changes needing a restart and --no-access-log would be lost.
            lb = new LoadBalancer(cfg).fitReloadsWith(c -> fit.apply(withOverrides(c)));
        } catch (IllegalArgumentException e) {
            // Something the loader let through but the engine refuses (e.g. a strategy it does not implement).
            return fail(config + ": " + e.getMessage(), LbCommand.BAD_CONFIG);
        }
        // Signals are taken over before binding, so a SIGTERM right after the bind still drains gracefully.
        Lifecycle lifecycle = parent.lifecycle();
        lifecycle.begin(lb);
        // Not ready (GET /ready) until the JIT warm-up proper is over, from the first moment the admin API answers: it
        // ends by itself within --warmup, at once when real traffic arrives anyway, and on any failure.
        lb.warmingUp(!warmup.isZero());
        try {
            lb.start();
        } catch (PortInUseException | ListenerBindException | TransportUnavailableException e) {
            // The address is taken or not this host's, or the configured transport does not load on this machine.
            lifecycle.end();
            return fail("error: " + e.getMessage(), LbCommand.FAILURE);
        } catch (RuntimeException e) {
            lifecycle.end();
            throw e;
        }
        JitWarmup warmup = null;
        try {
            if (lifecycle.reloadSignalIgnored()) {
                log.warn("SIGHUP is ignored by this process (started under nohup?): reload {} with 'lb reload' or"
                        + " POST /api/reload on the admin listener instead", config);
                log.info("ready: SIGTERM or Ctrl-C stops");
            } else {
                log.info("ready: SIGHUP reloads {}, SIGTERM or Ctrl-C stops", config);
            }
            warmup = startWarmup(lifecycle, lb);
            // After "ready": reading the JVM's arguments costs start-up time, and the event loops serve meanwhile.
            JvmAdvice.forThisJvm().ifPresent(a -> {
                if (a.warn()) {
                    log.warn(a.message());
                } else {
                    log.info(a.message());
                }
            });
            while (lifecycle.next() == Lifecycle.Request.RELOAD) {
                reload(lb);
            }
        } finally {
            // Out of rotation and refusing reloads from the signal on, not only once the warm-up has stopped.
            lb.shutdownBegins();
            if (warmup != null) {
                warmup.stop();
                awaitWarmup();
            }
            // Our handlers stay through the drain: restored first, the JVM's own ended the process at once on a
            // SIGHUP (exit 129) and on a second SIGTERM (143), cutting the requests still being served.
            lb.close();
            lifecycle.end();
        }
        return LbCommand.OK;
    }

    /**
     * Starts the warm-up on its own thread (serving is not held up by it), and settles the heap when it is warm;
     * stopping it early is always safe.
     */
    private JitWarmup startWarmup(Lifecycle lifecycle, LoadBalancer lb) {
        JitWarmup w = new JitWarmup(warmup, MAX_WARMUP_REQUESTS, lb);
        if (!warmup.isZero()) {
            Thread t = new Thread(() -> {
                try {
                    w.run(() -> {
                        lb.warmingUp(false);
                        if (!exitAfterWarmup) {
                            HeapSettler.settle();
                        }
                    });
                } finally {
                    lb.warmingUp(false);
                }
                exitIfAsked(lifecycle);
            }, "stickylb-warmup");
            t.setDaemon(true);
            t.start();
            warmupThread = t;
        } else {
            exitIfAsked(lifecycle);
        }
        return w;
    }

    /**
     * Gives a stopped warm-up a moment to close its private instance: it runs on the proxy's event loops, which the
     * shutdown is about to close. It stops within milliseconds; the bound only guards a stuck client.
     */
    private void awaitWarmup() {
        Thread t = warmupThread;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(WARMUP_STOP_WAIT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void exitIfAsked(Lifecycle lifecycle) {
        if (exitAfterWarmup) {
            log.info("warm-up over: stopping (--exit-after-warmup)");
            lifecycle.requestStop();
        }
    }

    /** The file with the command-line overrides applied; its warnings are logged (at start and at each reload). */
    LoadBalancerConfig load() throws ConfigException {
        return withOverrides(ConfigFiles.load(config, log::warn));
    }

    /** {@code --listen}, {@code --workers} and {@code --no-access-log} applied to a config read from the file. */
    private LoadBalancerConfig withOverrides(LoadBalancerConfig cfg) {
        if (listen != null) {
            cfg = cfg.withListen(listen);
        }
        if (workers != null) {
            cfg = cfg.withWorkers(workers);
        }
        if (noAccessLog) {
            cfg = cfg.withAccessLog(AccessLogConfig.OFF);
        }
        return cfg;
    }

    /** Re-reads the file; only a fully valid config replaces the running one. */
    private void reload(LoadBalancer lb) {
        log.info("SIGHUP: reloading {}", config);
        LoadBalancerConfig next;
        try {
            next = load();
        } catch (ConfigException e) {
            log.error("reload failed, still running the previous config: {}", e.getMessage());
            return;
        }
        try {
            // Settings that need a restart (listen, admin.listen, workers, transport) are warned of by reload itself.
            lb.reload(next);
        } catch (RuntimeException e) {
            log.error("reload failed, still running the previous config: {}", ErrorHandler.describe(e));
        }
    }

    private int fail(String message, int code) {
        PrintWriter err = spec.commandLine().getErr();
        err.println(message);
        err.flush();
        return code;
    }
}
