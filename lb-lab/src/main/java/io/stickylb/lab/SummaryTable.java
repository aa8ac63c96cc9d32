package io.stickylb.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The console summary: one row per strategy run with imbalance, affinity, session losses, errors and p99. */
public final class SummaryTable {

    private SummaryTable() {
    }

    public static String render(ExperimentResult result) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"run", "strategy", "store", "requests", "max/mean", "cov", "affinity",
            "sessions lost / expected", "errors", "p99 ms", "DOWN after"});
        for (RunResult r : result.runs()) {
            rows.add(new String[] {r.name() + (r.interrupted() ? " (interrupted)" : ""), r.strategy(), r.sessionStore(),
                String.format(Locale.ROOT, "%,d", r.requests()),
                String.format(Locale.ROOT, "%.2f", r.imbalanceMaxMean()),
                String.format(Locale.ROOT, "%.3f", r.cov()),
                RunResults.affinityPercent(r.affinityRatio(), "%"),
                String.format(Locale.ROOT, "%,d / %,d", r.sessionsLost(), r.sessionsLostExpected()),
                String.format(Locale.ROOT, "%,d", r.errors()),
                String.format(Locale.ROOT, "%.1f", r.p99Ms()),
                downAfter(r)});
        }
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            String[] row = rows.get(r);
            for (int i = 0; i < row.length; i++) {
                boolean left = i < 3;
                String cell = left ? pad(row[i], width[i], true) : pad(row[i], width[i], false);
                out.append(i == 0 ? "" : "  ").append(cell);
            }
            out.append('\n');
            if (r == 0) {
                int total = 0;
                for (int w : width) {
                    total += w + 2;
                }
                out.append("-".repeat(total - 2)).append('\n');
            }
        }
        return out.toString();
    }

    private static String downAfter(RunResult r) {
        List<String> parts = new ArrayList<>();
        for (RunResult.EventResult e : r.events()) {
            if (e.downAfterMs() != null) {
                parts.add(String.format(Locale.ROOT, "%.0f ms", e.downAfterMs()));
            } else if (e.action().equals("kill") || e.action().equals("stop") || e.action().equals("unhealthy")) {
                parts.add("never");
            }
        }
        return parts.isEmpty() ? "-" : String.join(", ", parts);
    }

    private static String pad(String s, int width, boolean left) {
        String space = " ".repeat(Math.max(0, width - s.length()));
        return left ? s + space : space + s;
    }
}
