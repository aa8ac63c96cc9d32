package io.stickylb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.status.Status;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The {@code lb} command's logging setup ({@link LogSetup}), applied to a context of its own. */
class LogbackConfigTest {

    @Test
    void theSetupSendsTheAccessLogThroughANonBlockingAsyncAppenderOfItsOwn() {
        LoggerContext context = new LoggerContext();
        try {
            LogSetup.apply(context);

            assertThat(context.getStatusManager().getCopyOfStatusList())
                    .noneMatch(s -> s.getEffectiveLevel() >= Status.WARN);
            assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.INFO);
            assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("CONSOLE"))
                    .isInstanceOfSatisfying(AsyncAppender.class, async -> {
                        assertThat(async.isNeverBlock()).isTrue();
                        assertThat(async.isStarted()).isTrue();
                    });
            assertThat(context.getLogger("io.netty").getEffectiveLevel()).isEqualTo(Level.WARN);

            Logger access = context.getLogger(LogSetup.ACCESS_LOGGER);
            assertThat(access.isAdditive()).isFalse();
            assertThat(access.getEffectiveLevel()).isEqualTo(Level.INFO);
            assertThat(access.getAppender("ACCESS")).isInstanceOfSatisfying(AsyncAppender.class, async -> {
                assertThat(async.isNeverBlock()).isTrue();
                assertThat(async.isStarted()).isTrue();
            });
        } finally {
            context.stop();
        }
    }

    @Test
    void aStuckConsoleCostsTheLoggingThreadNothingAndTheDroppedLinesAreCountedOnceItFlowsAgain() throws Exception {
        LoggerContext context = new LoggerContext();
        StuckConsole console = new StuckConsole();
        PrintStream original = System.out;
        System.setOut(new PrintStream(console, true, StandardCharsets.UTF_8));
        try {
            context.setMDCAdapter(new LogbackMDCAdapter()); // what logback's own start-up gives the real context
            LogSetup.apply(context);
            Logger log = context.getLogger("io.stickylb.proxy.FrontendHandler");
            Logger access = context.getLogger(LogSetup.ACCESS_LOGGER);
            int lines = 5_000;
            int accessLines = 20_000;

            // As an event loop would: log far more than the queues hold while nothing leaves for the console.
            CompletableFuture<Void> logging = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < lines; i++) {
                    log.warn("line {}", i);
                }
                for (int i = 0; i < accessLines; i++) {
                    access.info("GET /{} 200", i);
                }
            });
            logging.get(60, TimeUnit.SECONDS); // a blocking console would keep it waiting for good
            assertThat(console.written()).as("nothing reached the stuck console").isEmpty();

            console.flow();
            AsyncAppender queue = (AsyncAppender) context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("CONSOLE");
            AsyncAppender accessQueue = (AsyncAppender) access.getAppender("ACCESS");
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> queue.getNumberOfElementsInQueue() == 0
                    && accessQueue.getNumberOfElementsInQueue() == 0);
            log.warn("after the console came back");
            access.info("GET /after 200");
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> console.written().contains("GET /after 200")
                    && console.written().contains("after the console came back"));
            String out = console.written();

            long kept = Pattern.compile("WARN  line \\d+\\n").matcher(out).results().count();
            long reported = reported(out, "log");
            assertThat(kept).as("kept while stuck: about one queue's worth").isBetween(1L, 2L * 1024);
            assertThat(kept + reported).as("every line written or counted").isEqualTo(lines);
            assertThat(out.indexOf(" log lines dropped")).isLessThan(out.indexOf("after the console came back"));

            long keptAccess = Pattern.compile("(?m)^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z GET /\\d+ 200$")
                    .matcher(out).results().count();
            assertThat(keptAccess + reported(out, "access log")).isEqualTo(accessLines);
        } finally {
            System.setOut(original);
            console.flow();
            context.stop();
        }
    }

    /**
     * The counts in all "N WHAT lines dropped" warnings, summed: there are two when the queue's consumer takes a batch
     * after drops began (a report goes out as soon as there is room) and drops resume before the console flows.
     */
    private static long reported(String out, String what) {
        Matcher m = Pattern.compile("WARN  (\\d+) " + what + " lines dropped: the console did not take them")
                .matcher(out);
        long sum = 0;
        int reports = 0;
        while (m.find()) {
            sum += Long.parseLong(m.group(1));
            reports++;
        }
        assertThat(reports).as("a report of dropped %s lines in:%n%s", what, out.lines().limit(5).toList())
                .isPositive();
        return sum;
    }

    /** A console whose reader has stopped: every write waits until {@link #flow()}. */
    private static final class StuckConsole extends OutputStream {
        private final CountDownLatch open = new CountDownLatch(1);
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        void flow() {
            open.countDown();
        }

        synchronized String written() {
            return bytes.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            try {
                open.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            synchronized (this) {
                bytes.write(b, off, len);
            }
        }
    }

    @Test
    void itIsRegisteredWithLogbackAndStepsAsideForAnOperatorsOwnFile() throws Exception {
        try (InputStream in = LogSetup.class.getResourceAsStream(
                "/META-INF/services/ch.qos.logback.classic.spi.Configurator")) {
            assertThat(in).isNotNull();
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8).trim())
                    .isEqualTo(LogSetup.class.getName());
        }
        // Tests carry a logback-test.xml, which must win just as -Dlogback.configurationFile does.
        LoggerContext context = new LoggerContext();
        try {
            LogSetup setup = new LogSetup();
            setup.setContext(context);
            assertThat(setup.configure(context)).isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
            assertThat(context.getLogger(LogSetup.ACCESS_LOGGER).getAppender("ACCESS")).isNull();
        } finally {
            context.stop();
        }
    }
}
