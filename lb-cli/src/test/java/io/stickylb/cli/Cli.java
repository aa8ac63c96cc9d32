package io.stickylb.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;

/** Runs {@code lb ...} in-process, in the foreground or on a background thread, capturing its output; or spawned. */
final class Cli {

    /** The outcome of one command: exit code, stdout, stderr. */
    record Result(int exitCode, String out, String err) {
    }

    private Cli() {
    }

    /** {@code lb args...} as main would run it (same exception handler), minus System.exit. */
    static Result run(String... args) {
        return run(new LbCommand(Lifecycle.manual()), args);
    }

    static Result run(LbCommand command, String... args) {
        return execute(LbCommand.commandLine(command, args), args);
    }

    /** With a plain {@code new CommandLine(...)}: the commands' exit codes must not depend on main's setup. */
    static Result runPlain(String... args) {
        return execute(Subcommands.addFor(new CommandLine(new LbCommand(Lifecycle.manual()))), args);
    }

    private static Result execute(CommandLine cl, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    /** A foreground command ({@code run}, {@code demo}) on a background thread, stopped through its lifecycle. */
    static final class Background implements AutoCloseable {
        final Lifecycle lifecycle = Lifecycle.manual();
        private final StringWriter out = new StringWriter();
        private final StringWriter err = new StringWriter();
        private final CompletableFuture<Integer> exit = new CompletableFuture<>();

        Background(String... args) {
            CommandLine cl = LbCommand.commandLine(new LbCommand(lifecycle), args);
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            Thread t = new Thread(() -> {
                try {
                    exit.complete(cl.execute(args));
                } catch (Throwable e) {
                    exit.completeExceptionally(e);
                }
            }, "lb-" + args[0]);
            t.setDaemon(true);
            t.start();
        }

        /** Asks for a graceful stop and waits for the exit code. */
        int stop() throws Exception {
            lifecycle.requestStop();
            return exit.get(30, TimeUnit.SECONDS);
        }

        boolean finished() {
            return exit.isDone();
        }

        int exitCode() throws Exception {
            return exit.get(30, TimeUnit.SECONDS);
        }

        String out() {
            return out.toString();
        }

        String err() {
            return err.toString();
        }

        @Override
        public void close() throws ExecutionException, TimeoutException {
            if (!exit.isDone()) {
                lifecycle.requestStop();
                try {
                    exit.get(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while stopping lb", e);
                }
            }
        }
    }

    /**
     * {@code lb args...} in a child JVM on this test's class path, for what only a process shows (signals, exit
     * codes, JVM options); stdout and stderr go to {@code log}.
     */
    static Process spawn(Path log, List<String> jvmArgs, String... args) throws IOException {
        return new ProcessBuilder(command(jvmArgs, args)).redirectErrorStream(true).redirectOutput(log.toFile())
                .start();
    }

    /** The command line {@link #spawn} runs: this JVM's java and class path, info logging. */
    static List<String> command(List<String> jvmArgs, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx128m");
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(LbCommand.class.getName());
        cmd.add("--log-level");
        cmd.add("info");
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * Sends signal {@code name} ("TERM", "HUP", ...) to a spawned {@code lb} with kill(1): unlike Process.destroy(), it
     * leaves the child's pipes open, and it can send any signal.
     */
    static void signal(Process process, String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new AssertionError("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /** Kills a spawned {@code lb} that is still running (a test's clean-up); null is fine. */
    static void kill(Process process) throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A port that was free a moment ago (the CLI takes fixed ports, so tests pick one this way). */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The repository's {@code config/} directory, found from the module directory the tests run in. */
    static Path configDir() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isRegularFile(dir.resolve("config").resolve("lb.yaml"))) {
                return dir.resolve("config");
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("config/lb.yaml not found above " + Path.of("").toAbsolutePath());
    }
}
