package io.stickylb.lab;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * What the lab shows while it runs: on a terminal one bar per strategy run, redrawn in place (elapsed, requests,
 * errors); otherwise plain lines, one every few seconds, so logs and CI output stay readable. Called from the
 * experiment's thread only.
 */
public class Progress {

    private static final int WIDTH = 30;
    private static final long PLAIN_EVERY_NANOS = 5_000_000_000L;
    private static final long REDRAW_EVERY_NANOS = 100_000_000L;

    private final PrintWriter out;
    private final boolean tty;
    private String run = "";
    private long lastPlain;
    private long lastRedraw;
    private boolean barOpen;

    public Progress(PrintWriter out, boolean tty) {
        this.out = out;
        this.tty = tty;
    }

    /** No output at all (tests). */
    public static Progress silent() {
        return new Progress(new PrintWriter(java.io.Writer.nullWriter()), false);
    }

    void runStarted(int index, int total, StrategySpec strategy) {
        run = String.format(Locale.ROOT, "[%d/%d] %-16s", index, total, strategy.name());
        lastPlain = System.nanoTime();
        line(run + " starting: " + strategy.describe() + ", sessions in " + strategy.sessionStore().yamlName());
    }

    void update(long elapsedNanos, long durationNanos, long requests, long errors) {
        double frac = Math.min(1, (double) elapsedNanos / durationNanos);
        String counts = String.format(Locale.ROOT, "%5.1fs/%.0fs  %,9d requests  %,6d errors", elapsedNanos / 1e9,
                durationNanos / 1e9, requests, errors);
        if (tty) {
            if (System.nanoTime() - lastRedraw < REDRAW_EVERY_NANOS && frac < 1) {
                return;
            }
            lastRedraw = System.nanoTime();
            int filled = (int) Math.round(frac * WIDTH);
            out.print("\r" + run + " [" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + counts);
            out.flush();
            barOpen = true;
        } else if (System.nanoTime() - lastPlain >= PLAIN_EVERY_NANOS) {
            lastPlain = System.nanoTime();
            out.println(run + " " + counts);
        }
    }

    void event(FaultEvent event, String outcome) {
        line(run + " " + event.label() + (outcome.isEmpty() ? "" : ": " + outcome));
    }

    void runFinished(RunResult r) {
        line(String.format(Locale.ROOT, "%s done: %,d requests, %,d errors, max/mean %.2f, affinity %s, "
                + "sessions lost %,d (expected %,d), p99 %.1f ms", run, r.requests(), r.errors(), r.imbalanceMaxMean(),
                RunResults.affinityPercent(r.affinityRatio(), "%"), r.sessionsLost(), r.sessionsLostExpected(),
                r.p99Ms()));
    }

    /** A line of its own (ends a bar being redrawn first). */
    public void line(String text) {
        if (barOpen) {
            out.println();
            barOpen = false;
        }
        out.println(text);
        out.flush();
    }
}
