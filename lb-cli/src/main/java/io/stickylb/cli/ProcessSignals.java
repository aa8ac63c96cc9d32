package io.stickylb.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Process signals for a foreground command. SIGINT and SIGTERM request a graceful stop, handled by the command's
 * thread so that {@code main} returns and the exit code is 0 (the JVM's default handlers would exit with 130/143);
 * a second one exits at once without waiting for in-flight requests. SIGHUP requests a reload. A shutdown hook
 * still closes the command's resources if the JVM exits some other way. Platforms without a signal (no SIGHUP on
 * Windows) simply lose that feature.
 */
final class ProcessSignals {

    private static final Logger log = LoggerFactory.getLogger(ProcessSignals.class);

    private final List<Signal> signals = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();
    private final Set<String> ignored = new HashSet<>();
    private final AtomicInteger stops = new AtomicInteger();
    private final Thread hook;
    private final boolean announce;

    private ProcessSignals(Lifecycle lifecycle, AutoCloseable onExit, boolean announce) {
        this.announce = announce;
        handle("INT", sig -> stop(lifecycle, sig));
        handle("TERM", sig -> stop(lifecycle, sig));
        handle("HUP", sig -> lifecycle.requestReload());
        hook = new Thread(() -> closeQuietly(onExit), "stickylb-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * With {@code announce} false (a command with nothing to drain, such as {@code lb status --watch}), a stop is
     * logged at DEBUG only, off the command's screen, and a repeated one exits with 0 as well.
     */
    static ProcessSignals install(Lifecycle lifecycle, AutoCloseable onExit, boolean announce) {
        return new ProcessSignals(lifecycle, onExit, announce);
    }

    private void stop(Lifecycle lifecycle, Signal sig) {
        if (stops.incrementAndGet() == 1) {
            if (announce) {
                log.info("SIG{} received: shutting down gracefully (again to exit at once)", sig.getName());
            } else {
                log.debug("SIG{} received: stopping", sig.getName());
            }
            lifecycle.requestStop();
        } else if (!announce) {
            // Nothing in flight to give up: the second signal (e.g. sent to the whole process group) is no failure.
            Runtime.getRuntime().halt(LbCommand.OK);
        } else {
            // halt, not exit: the graceful close in progress holds the lock a shutdown hook would wait for.
            log.warn("SIG{} received again: exiting without waiting for in-flight requests", sig.getName());
            Runtime.getRuntime().halt(LbCommand.FAILURE);
        }
    }

    private void handle(String name, SignalHandler handler) {
        try {
            Signal signal = new Signal(name);
            SignalHandler old = Signal.handle(signal, handler);
            previous.add(old);
            signals.add(signal);
            if (old == SignalHandler.SIG_IGN) {
                // HotSpot leaves HUP, INT and TERM alone when the process started with them ignored (nohup, or a
                // background job of a script), and says so only through the handler it returns.
                ignored.add(name);
            }
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // No such signal here, or the JVM reserves it (-Xrs): the feature is simply unavailable.
            log.debug("cannot handle SIG{}: {}", name, e.getMessage());
        }
    }

    /** Whether signal {@code name} was ignored when the process started, so this handler never gets it. */
    boolean ignoredAtStart(String name) {
        return ignored.contains(name);
    }

    /** Restores the previous handlers and removes the shutdown hook. */
    void uninstall() {
        for (int i = 0; i < signals.size(); i++) {
            try {
                Signal.handle(signals.get(i), previous.get(i));
            } catch (IllegalArgumentException e) {
                log.debug("cannot restore SIG{}: {}", signals.get(i).getName(), e.getMessage());
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down and the hook is running or has run.
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            log.warn("error while shutting down: {}", ErrorHandler.describe(e));
        }
    }
}
