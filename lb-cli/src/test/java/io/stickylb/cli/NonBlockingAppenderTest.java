package io.stickylb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.AppenderBase;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class NonBlockingAppenderTest {

    private static final int QUEUE = 16;
    private static final AtomicInteger MARKERS = new AtomicInteger();
    private static final Pattern REPORT = Pattern.compile("(\\d+) log lines dropped: .*");

    /**
     * Two stuck spells with room in between: each spell's drops are reported once there is room, so the lines that
     * arrived plus the reported counts add up to what was logged, and the second spell is not reported as part of
     * the first.
     */
    @Test
    void everyStuckSpellIsReportedOnceThereIsRoomAndNothingGoesUncounted() {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        Gate console = new Gate();
        console.setContext(context);
        console.start();
        NonBlockingAppender queue = new NonBlockingAppender(context, "CONSOLE", "log", QUEUE, true);
        queue.addAppender(console);
        queue.start();
        Logger log = context.getLogger("test");
        log.setLevel(Level.INFO);
        log.setAdditive(false);
        log.addAppender(queue);
        try {
            int perSpell = 10 * QUEUE;
            spell(log, console, queue, perSpell, "first");
            log.info("between");
            spell(log, console, queue, perSpell, "second");
            log.info("end");
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> console.lines().contains("end"));

            List<String> lines = console.lines();
            List<Long> reports = lines.stream().map(REPORT::matcher).filter(Matcher::matches)
                    .map(m -> Long.parseLong(m.group(1))).toList();
            assertThat(reports).as("one report per stuck spell").hasSize(2);
            assertThat(lines.indexOf("between")).as("the first spell reported before the line after it")
                    .isGreaterThan(firstReport(lines));
            long kept = lines.stream().filter(l -> l.startsWith("first ") || l.startsWith("second ")).count();
            assertThat(kept + reports.get(0) + reports.get(1)).isEqualTo(2L * perSpell);
            assertThat(lines).contains("between", "end");
            assertThat(kept).as("each spell kept one queue's worth").isEqualTo(2L * QUEUE);
        } finally {
            console.open();
            context.stop();
        }
    }

    /**
     * Logs {@code n} lines while the console is stuck, then lets it drain and waits until the queue is empty. The
     * queue's consumer is first made to hold one line it cannot write, so no room opens up during the spell.
     */
    private static void spell(Logger log, Gate console, NonBlockingAppender queue, int n, String name) {
        drained(log, console, queue);
        console.close();
        log.info("plug");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> "plug".equals(console.holding()));
        for (int i = 0; i < n; i++) {
            log.info("{} {}", name, i);
        }
        console.open();
        drained(log, console, queue);
    }

    /**
     * Waits until everything logged so far has reached the console and its consumer is idle: once the queue has
     * room, a marker line is logged and waited for (the queue is first in, first out).
     */
    private static void drained(Logger log, Gate console, NonBlockingAppender queue) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> queue.getNumberOfElementsInQueue() == 0);
        String marker = "marker " + MARKERS.incrementAndGet();
        log.info(marker);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> console.lines().contains(marker));
    }

    private static int firstReport(List<String> lines) {
        for (int i = 0; i < lines.size(); i++) {
            if (REPORT.matcher(lines.get(i)).matches()) {
                return i;
            }
        }
        return -1;
    }

    /** A console that can be stuck: while closed, an append waits until it opens, holding its line. */
    private static final class Gate extends AppenderBase<ILoggingEvent> {
        private final List<String> lines = new CopyOnWriteArrayList<>();
        private boolean closed;
        private String holding;

        synchronized void close() {
            closed = true;
        }

        synchronized void open() {
            closed = false;
            notifyAll();
        }

        /** The line an append is waiting to write, or null. */
        synchronized String holding() {
            return holding;
        }

        List<String> lines() {
            return lines;
        }

        @Override
        protected void append(ILoggingEvent event) {
            synchronized (this) {
                holding = event.getFormattedMessage();
                while (closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                holding = null;
            }
            lines.add(event.getFormattedMessage());
        }
    }
}
