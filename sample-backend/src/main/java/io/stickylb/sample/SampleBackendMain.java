package io.stickylb.sample;

import io.stickylb.sample.capacity.ServiceTimeDistribution;
import io.stickylb.sample.session.SessionStoreException;
import io.stickylb.sample.session.SessionStores;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code java -jar sample-backend.jar --id b1 --port 9001}: runs one sample backend until SIGTERM or Ctrl-C. Prints
 * {@code sample-backend <id> listening on http://HOST:PORT} on stdout once bound; logs go to stderr.
 */
@Command(name = "sample-backend", mixinStandardHelpOptions = true, sortOptions = false,
        versionProvider = SampleBackendMain.Version.class,
        description = "A small HTTP server with sessions, standing in for an application server behind stickylb.")
public final class SampleBackendMain implements Callable<Integer> {

    /** Exit code when the port is taken or the session store cannot be reached. */
    public static final int FAILURE = 1;

    private static final Logger log = LoggerFactory.getLogger(SampleBackendMain.class);

    @Spec
    private CommandSpec spec;

    @Option(names = "--id", required = true, description = "Backend id, echoed as X-Backend-Id.")
    private String id;

    @Option(names = "--port", defaultValue = "0",
            description = "Port to listen on, 0 for a free one (default: ${DEFAULT-VALUE}).")
    private int port;

    @Option(names = "--host", defaultValue = SampleBackendOptions.DEFAULT_HOST,
            description = "Address to bind (default: ${DEFAULT-VALUE}).")
    private String host;

    @Option(names = "--jvm-route",
            description = "Appended to session ids as .ROUTE, like Tomcat's jvmRoute (letters, digits, '_', '-').")
    private String jvmRoute;

    @Option(names = "--session-store", defaultValue = SessionStores.MEMORY,
            description = "memory or redis://HOST:PORT (default: ${DEFAULT-VALUE}).")
    private String sessionStore;

    @Option(names = "--session-ttl", defaultValue = "30m", converter = DurationConverter.class,
            description = "Session time to live without requests (default: ${DEFAULT-VALUE}).")
    private Duration sessionTtl;

    @Option(names = "--service-time", defaultValue = "0ms", converter = DurationConverter.class,
            description = "Time each request keeps a slot busy, the mean when exponential (default: ${DEFAULT-VALUE}).")
    private Duration serviceTime;

    @Option(names = "--service-time-dist", defaultValue = "fixed",
            description = "fixed or exponential (default: ${DEFAULT-VALUE}).")
    private ServiceTimeDistribution serviceTimeDistribution;

    @Option(names = "--max-concurrency", defaultValue = "0",
            description = "Requests served at once, the rest queue FIFO; 0 = unlimited (default: ${DEFAULT-VALUE}).")
    private int maxConcurrency;

    @Option(names = "--seed", description = "Seed for exponential service times (default: derived from the id).")
    private Long seed;

    @Option(names = "--threads", defaultValue = "1", description = "Event loop threads (default: ${DEFAULT-VALUE}).")
    private int threads;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line to completion and returns its exit code, without exiting the JVM. */
    public static int execute(String... args) {
        return newCommandLine().execute(args);
    }

    /** The picocli command line, for callers that redirect its output. */
    public static CommandLine newCommandLine() {
        return new CommandLine(new SampleBackendMain()).setCaseInsensitiveEnumValuesAllowed(true);
    }

    /** Starts the backend, prints the listening line, then waits until SIGTERM or interruption. */
    @Override
    public Integer call() {
        SampleBackendOptions options = options();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SampleBackend backend = new SampleBackend(options);
        try {
            backend.start();
        } catch (PortInUseException | SessionStoreException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return FAILURE;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            log.info("sample-backend {} shutting down", options.id());
            backend.stop();
            stopped.countDown();
        }, "sample-backend-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("sample-backend " + options.id() + " listening on " + backend.baseUrl());
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            // In-process callers (tests, embedding tools) stop the command by interrupting its thread.
            Thread.currentThread().interrupt();
        } finally {
            removeHook(hook);
            backend.stop();
        }
        return 0;
    }

    private SampleBackendOptions options() {
        try {
            return SampleBackendOptions.builder(id)
                    .host(host)
                    .port(port)
                    .jvmRoute(jvmRoute)
                    .sessionStore(sessionStore)
                    .sessionTtl(sessionTtl)
                    .serviceTime(serviceTime, serviceTimeDistribution)
                    .maxConcurrency(maxConcurrency)
                    .seed(seed)
                    .threads(threads)
                    .build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    /** The project version from the pom properties Maven puts in the jar, for {@code --version}. */
    static final class Version implements CommandLine.IVersionProvider {

        @Override
        public String[] getVersion() throws java.io.IOException {
            java.util.Properties pom = new java.util.Properties();
            try (java.io.InputStream in = SampleBackendMain.class.getResourceAsStream(
                    "/META-INF/maven/io.stickylb/sample-backend/pom.properties")) {
                if (in != null) {
                    pom.load(in);
                }
            }
            return new String[] {"sample-backend " + pom.getProperty("version", "(development build)")};
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down and the hook is running: nothing to undo.
        }
    }
}
