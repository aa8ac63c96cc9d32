package io.stickylb.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code report.html}: one self-contained page (inline CSS and SVG charts, no script, nothing fetched) with the
 * summary table, the charts and per-run details, so it opens offline and can be mailed around.
 */
final class HtmlReport {

    private static final String CSS = """
            body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1000px;
            color:#222}
            h1{font-size:24px;margin-bottom:4px}h2{font-size:19px;margin-top:32px;border-bottom:1px solid #ddd}
            h3{font-size:16px;margin-top:22px}
            table{border-collapse:collapse;margin:8px 0 16px}td,th{padding:3px 9px;border-bottom:1px solid #eee}
            th{text-align:left;background:#f6f6f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
            pre{background:#f7f7f7;padding:10px;overflow:auto;font-size:12px}.muted{color:#666}
            svg{max-width:100%;height:auto;display:block;margin:6px 0}
            """;

    private HtmlReport() {
    }

    static void write(ExperimentResult result, Path file) throws IOException {
        Files.writeString(file, render(result));
    }

    static String render(ExperimentResult result) {
        List<RunResult> runs = result.runs();
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>stickylb lab: ")
                .append(esc(result.scenario())).append("</title><style>").append(CSS).append("</style></head><body>\n");
        h.append("<h1>stickylb lab: ").append(esc(result.scenario())).append("</h1>\n<p class=\"muted\">")
                .append(esc(result.file())).append(" · seed ").append(result.seed()).append(" · ")
                .append(num(result.durationSeconds())).append(" s per strategy (warm-up ")
                .append(num(result.warmupSeconds())).append(" s) · started ").append(esc(result.startedAt()))
                .append("</p>\n");
        h.append("<h2>Summary</h2>\n").append(summary(runs));
        for (String skipped : result.skipped()) {
            h.append("<p class=\"muted\">Skipped ").append(esc(skipped)).append("</p>\n");
        }
        h.append("<p class=\"muted\">Imbalance: max/mean and coefficient of variation of per-backend request counts "
                + "in the steady window (after warm-up, before the first fault). Affinity: requests carrying a "
                + "session cookie that reached the backend holding the session (where it was created, or with a "
                + "shared store where it was last served). Expected losses: sessions pinned to a failed backend "
                + "when it failed whose clients came back later (0 with Redis). Latency runs from the scheduled "
                + "send time to the full answer, so queueing in front of a busy backend counts.</p>\n");
        if (!runs.isEmpty()) {
            h.append("<h2>Load imbalance</h2>\n").append(Charts.imbalance(runs));
            h.append("<h2>Affinity</h2>\n").append(Charts.affinity(runs));
            if (!runs.get(0).events().isEmpty()) {
                h.append(Charts.moved(runs));
            }
            h.append("<h2>Session losses</h2>\n").append(Charts.sessionLosses(runs));
            h.append(Charts.lossTimeline("Sessions lost per second", runs, runs.get(0).events()));
            // Round robin and least-connections lose sessions all the time; without them the faults stand out.
            List<RunResult> sticky = runs.stream().filter(HtmlReport::sticky).toList();
            if (!sticky.isEmpty() && sticky.size() < runs.size()) {
                h.append(Charts.lossTimeline("Sessions lost per second, sticky strategies only", sticky,
                        runs.get(0).events()));
            }
            h.append("<h2>Latency</h2>\n").append(Charts.latency(runs));
            h.append("<h2>Load share over time</h2>\n");
            for (RunResult r : runs) {
                h.append(Charts.loadShare(r, r.events()));
            }
        }
        h.append("<h2>Runs in detail</h2>\n");
        for (RunResult r : runs) {
            h.append(details(r));
        }
        h.append("<h2>Scenario</h2>\n<pre>").append(esc(result.scenarioYaml())).append("</pre>\n");
        h.append("</body></html>\n");
        return h.toString();
    }

    private static boolean sticky(RunResult r) {
        return !r.strategy().startsWith("round-robin") && !r.strategy().startsWith("least-connections");
    }

    private static String summary(List<RunResult> runs) {
        StringBuilder t = new StringBuilder("<table><tr><th>run</th><th>strategy</th><th>store</th><th>requests</th>"
                + "<th>max/mean</th><th>CoV</th><th>affinity</th><th>sessions lost / expected</th><th>errors</th>"
                + "<th>p50 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>retries</th></tr>\n");
        for (RunResult r : runs) {
            t.append("<tr><td>").append(esc(r.name())).append(r.interrupted() ? " (interrupted)" : "")
                    .append("</td><td>").append(esc(r.strategy())).append("</td><td>").append(r.sessionStore())
                    .append("</td>").append(n(r.requests())).append(n2(r.imbalanceMaxMean())).append(n3(r.cov()))
                    .append("<td class=\"n\">").append(RunResults.affinityPercent(r.affinityRatio(), " %"))
                    .append("</td>")
                    .append("<td class=\"n\">").append(r.sessionsLost()).append(" / ").append(r.sessionsLostExpected())
                    .append("</td>").append(n(r.errors())).append(n2(r.p50Ms())).append(n2(r.p99Ms()))
                    .append(n2(r.p999Ms())).append(n(r.retries())).append("</tr>\n");
        }
        return t.append("</table>\n").toString();
    }

    private static String details(RunResult r) {
        StringBuilder d = new StringBuilder("<h3>").append(esc(r.name())).append(" — ").append(esc(r.strategy()))
                .append(", sessions in ").append(r.sessionStore()).append("</h3>\n");
        d.append("<p>").append(String.format(Locale.ROOT, "%,d requests in %.1f s (%.0f/s); %,d sessions created; "
                + "%,d requests due but not sent by the end; imbalance window %s.", r.requests(), r.seconds(),
                r.achievedRps(), r.sessionsCreated(), r.unsent(), r.imbalanceWindow())).append("</p>\n");
        d.append("<table><tr><th>backend</th><th>requests</th><th>share</th><th>steady share</th>"
                + "<th>in-flight peak</th><th>sessions created</th><th>p50 ms</th><th>p99 ms</th><th>p99.9 ms</th>"
                + "<th>retries</th></tr>\n");
        for (RunResult.BackendResult b : r.perBackend()) {
            d.append("<tr><td>").append(b.id()).append("</td>").append(n(b.requests()))
                    .append("<td class=\"n\">").append(num(100 * b.share())).append(" %</td>")
                    .append("<td class=\"n\">").append(num(100 * b.steadyShare())).append(" %</td>")
                    .append(n(b.inFlightPeak())).append(n(b.sessionsCreated())).append(n2(b.p50Ms()))
                    .append(n2(b.p99Ms())).append(n2(b.p999Ms())).append(n(b.retries())).append("</tr>\n");
        }
        d.append("</table>\n");
        if (!r.events().isEmpty()) {
            d.append("<table><tr><th>fault</th><th>DOWN after</th><th>sessions pinned</th><th>expected losses</th>"
                    + "<th>pinned lost</th><th>lost until next fault</th><th>clients back</th><th>moved</th></tr>\n");
            for (RunResult.EventResult e : r.events()) {
                d.append("<tr><td>").append(esc(e.label())).append("</td><td class=\"n\">")
                        .append(e.downAfterMs() == null ? "-" : num(e.downAfterMs()) + " ms").append("</td>")
                        .append(n(e.sessionsPinned())).append(n(e.sessionsLostExpected()))
                        .append(n(e.pinnedSessionsLost())).append(n(e.sessionsLostUntilNext()))
                        .append(n(e.clientsReturned())).append("<td class=\"n\">").append(e.clientsMoved())
                        .append(" (").append(num(100 * e.movedFraction())).append(" %)</td></tr>\n");
            }
            d.append("</table>\n");
        }
        if (!r.errorsByKind().isEmpty()) {
            d.append("<p>Errors: ");
            for (Map.Entry<String, Long> e : r.errorsByKind().entrySet()) {
                d.append(esc(e.getKey())).append(" ").append(e.getValue()).append("; ");
            }
            d.append("</p>\n");
        }
        return d.toString();
    }

    private static String n(long v) {
        return "<td class=\"n\">" + String.format(Locale.ROOT, "%,d", v) + "</td>";
    }

    private static String n2(double v) {
        return "<td class=\"n\">" + String.format(Locale.ROOT, "%.2f", v) + "</td>";
    }

    private static String n3(double v) {
        return "<td class=\"n\">" + String.format(Locale.ROOT, "%.3f", v) + "</td>";
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
