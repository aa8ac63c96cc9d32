package io.stickylb.lab;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every process the lab starts (backends, Redis) is registered here, and a JVM shutdown hook kills whatever is still
 * alive, so neither Ctrl-C nor a crash leaves servers behind. Normal shutdown stops them in order before that.
 */
final class ChildProcesses {

    private static final Set<Process> ALIVE = ConcurrentHashMap.newKeySet();
    private static final AtomicInteger EXPERIMENTS = new AtomicInteger();
    private static final long REAPER_PATIENCE_NANOS = 30_000_000_000L;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ChildProcesses::reap, "lab-reaper"));
    }

    private ChildProcesses() {
    }

    /** Starts {@code command} with its output appended to {@code log}, registered for clean-up. */
    static Process start(List<String> command, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process p = pb.start();
        ALIVE.add(p);
        p.onExit().thenRun(() -> ALIVE.remove(p));
        return p;
    }

    /** SIGKILL, and wait until the process is gone. */
    static void kill(Process p) {
        p.destroyForcibly();
        await(p, 5);
    }

    /** SIGTERM, then SIGKILL if it has not exited within {@code graceSeconds}. */
    static void stop(Process p, int graceSeconds) {
        p.destroy();
        if (!await(p, graceSeconds)) {
            kill(p);
        }
    }

    /** How many started processes are still running (tests check it is 0 after a run). */
    static int alive() {
        ALIVE.removeIf(p -> !p.isAlive());
        return ALIVE.size();
    }

    /**
     * An experiment is running: on Ctrl-C the reaper lets it stop its run and write its results (it stops its own
     * processes on the way) before killing whatever is left.
     */
    static void experimentStarted() {
        EXPERIMENTS.incrementAndGet();
    }

    static void experimentFinished() {
        EXPERIMENTS.decrementAndGet();
    }

    private static void reap() {
        long deadline = System.nanoTime() + REAPER_PATIENCE_NANOS;
        while (EXPERIMENTS.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                break;
            }
        }
        killAll();
    }

    static void killAll() {
        for (Process p : List.copyOf(ALIVE)) {
            p.destroyForcibly();
        }
        for (Process p : List.copyOf(ALIVE)) {
            await(p, 2);
        }
    }

    private static boolean await(Process p, int seconds) {
        try {
            return p.waitFor(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !p.isAlive();
        }
    }
}
