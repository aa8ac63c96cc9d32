package io.stickylb.cli;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The requests a foreground command waits for: stop (SIGINT, SIGTERM) and reload (SIGHUP). Signals only enqueue a
 * request; the command's own thread acts on it, so a reload never runs on a signal thread and reloads never overlap.
 * Tests create one with {@link #manual()} and call {@link #requestStop()} / {@link #requestReload()} themselves.
 */
final class Lifecycle {

    /** What the foreground thread is asked to do next. */
    enum Request { STOP, RELOAD }

    private final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    private final boolean processSignals;
    private ProcessSignals signals;

    private Lifecycle(boolean processSignals) {
        this.processSignals = processSignals;
    }

    /** Requests come from the process's signals, installed by {@link #begin}. */
    static Lifecycle onProcessSignals() {
        return new Lifecycle(true);
    }

    /** Requests come only from calls to {@link #requestStop()} and {@link #requestReload()}. */
    static Lifecycle manual() {
        return new Lifecycle(false);
    }

    /**
     * Starts listening for requests once the command's servers are up. {@code onExit} is closed by a shutdown hook if
     * the JVM exits without this lifecycle seeing a stop request (signal handlers unavailable, {@code -Xrs}, ...).
     */
    synchronized void begin(AutoCloseable onExit) {
        begin(onExit, true);
    }

    /**
     * As {@link #begin(AutoCloseable)}; {@code announce} false is for a command with nothing to drain ({@code lb status
     * --watch}): a stop signal stays out of the INFO log, and a repeated one exits with 0 too.
     */
    synchronized void begin(AutoCloseable onExit, boolean announce) {
        if (processSignals && signals == null) {
            signals = ProcessSignals.install(this, onExit, announce);
        }
    }

    /** True when SIGHUP cannot request a reload: the process started with it ignored (under {@code nohup}). */
    synchronized boolean reloadSignalIgnored() {
        return signals != null && signals.ignoredAtStart("HUP");
    }

    /** Waits for the next request. */
    Request next() throws InterruptedException {
        return requests.take();
    }

    /** Waits at most {@code timeout} for the next request; null when none came. */
    Request next(java.time.Duration timeout) throws InterruptedException {
        return requests.poll(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    void requestStop() {
        requests.add(Request.STOP);
    }

    void requestReload() {
        requests.add(Request.RELOAD);
    }

    /** Stops listening: restores the signal handlers and drops the shutdown hook (the command closes things itself). */
    synchronized void end() {
        if (signals != null) {
            signals.uninstall();
            signals = null;
        }
    }
}
