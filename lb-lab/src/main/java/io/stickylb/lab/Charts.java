package io.stickylb.lab;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's charts, drawn by XChart and exported as SVG text to inline in the page. */
final class Charts {

    private static final int WIDTH = 900;
    private static final int HEIGHT = 340;
    private static final Color FAULT = new Color(0xC0, 0x39, 0x2B);

    static {
        // Charts are drawn into SVG, never on a screen: no display is needed (CI, servers).
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private Charts() {
    }

    /** Each backend's share of the requests per second over the run, with the faults as vertical lines. */
    static String loadShare(RunResult run, List<RunResult.EventResult> events) {
        XYChart chart = xy(run.name() + " (" + run.strategy() + ", " + run.sessionStore()
                + "): share of requests per backend", "seconds", "% of requests");
        RunResult.Timeline t = run.timeline();
        int seconds = t.requests().length == 0 ? 0 : t.requests()[0].length;
        double[] x = new double[seconds];
        double[] totals = new double[seconds];
        for (int s = 0; s < seconds; s++) {
            x[s] = s + 0.5;
            for (long[] backend : t.requests()) {
                totals[s] += backend[s];
            }
        }
        double top = 1;
        for (int b = 0; b < t.requests().length; b++) {
            double[] y = new double[seconds];
            for (int s = 0; s < seconds; s++) {
                y[s] = totals[s] == 0 ? 0 : 100.0 * t.requests()[b][s] / totals[s];
                top = Math.max(top, y[s]);
            }
            chart.addSeries(t.backends().get(b), x, y).setMarker(SeriesMarkers.NONE);
        }
        chart.getStyler().setYAxisMin(0.0);
        markEvents(chart, events, top);
        return svg(chart);
    }

    /** Sessions lost per second in the given runs on one time axis, faults marked. */
    static String lossTimeline(String title, List<RunResult> runs, List<RunResult.EventResult> events) {
        XYChart chart = xy(title, "seconds", "sessions lost / s");
        double max = 1;
        for (RunResult run : runs) {
            long[] lost = run.timeline().sessionsLost();
            double[] x = new double[lost.length];
            double[] y = new double[lost.length];
            for (int s = 0; s < lost.length; s++) {
                x[s] = s + 0.5;
                y[s] = lost[s];
                max = Math.max(max, lost[s]);
            }
            chart.addSeries(run.name(), x, y).setMarker(SeriesMarkers.NONE);
        }
        markEvents(chart, events, max);
        return svg(chart);
    }

    /** Max/mean and coefficient of variation of per-backend load, one group per run. */
    static String imbalance(List<RunResult> runs) {
        CategoryChart chart = category("Load imbalance per strategy (steady window)", "");
        chart.addSeries("max/mean", names(runs), values(runs, RunResult::imbalanceMaxMean));
        chart.addSeries("coefficient of variation", names(runs), values(runs, RunResult::cov));
        return svg(chart);
    }

    /** Sessions lost in the run against the expected number (sessions pinned to failed backends). */
    static String sessionLosses(List<RunResult> runs) {
        CategoryChart chart = category("Sessions lost vs expected", "sessions");
        chart.addSeries("lost", names(runs), values(runs, r -> r.sessionsLost()));
        chart.addSeries("expected (pinned to the failed backend)", names(runs),
                values(runs, r -> r.sessionsLostExpected()));
        int e = 0;
        for (RunResult.EventResult ignored : runs.isEmpty() ? List.<RunResult.EventResult>of() : runs.get(0).events()) {
            int index = e++;
            chart.addSeries("lost after " + runs.get(0).events().get(index).label(), names(runs),
                    values(runs, r -> r.events().size() > index ? r.events().get(index).sessionsLostUntilNext() : 0));
        }
        return svg(chart);
    }

    /** For each fault, the share of returning clients that landed on another backend than before it. */
    static String moved(List<RunResult> runs) {
        CategoryChart chart = category("Clients moved by each fault (returning clients on another backend)", "%");
        List<RunResult.EventResult> events = runs.get(0).events();
        for (int i = 0; i < events.size(); i++) {
            int index = i;
            chart.addSeries(events.get(i).label(), names(runs), values(runs,
                    r -> r.events().size() > index ? 100 * r.events().get(index).movedFraction() : 0));
        }
        chart.getStyler().setYAxisMax(100.0);
        return svg(chart);
    }

    static String affinity(List<RunResult> runs) {
        return svg(affinityChart(runs));
    }

    /** The affinity chart before export (XChart draws its text as outlines, so tests read the series instead). */
    static CategoryChart affinityChart(List<RunResult> runs) {
        CategoryChart chart = category("Requests that reached the backend holding their session", "%");
        // A run without a single session request has no affinity ratio: no bar (XChart skips null) and "n/a" under
        // its name, rather than a 0 % that reads as broken affinity.
        List<Double> percent = runs.stream().map(r -> r.affinityRatio() == null ? null : 100 * r.affinityRatio())
                .toList();
        List<String> names = runs.stream().map(r -> r.affinityRatio() == null ? r.name() + " (n/a)" : r.name())
                .toList();
        chart.addSeries("affinity", names, percent);
        chart.getStyler().setYAxisMax(100.0);
        return chart;
    }

    static String latency(List<RunResult> runs) {
        CategoryChart chart = category("Latency percentiles (from scheduled send to full answer)", "ms");
        chart.addSeries("p50", names(runs), values(runs, RunResult::p50Ms));
        chart.addSeries("p99", names(runs), values(runs, RunResult::p99Ms));
        chart.addSeries("p99.9", names(runs), values(runs, RunResult::p999Ms));
        return svg(chart);
    }

    private static XYChart xy(String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setXAxisMin(0.0);
        chart.getStyler().setAnnotationLineColor(FAULT);
        chart.getStyler().setAnnotationLineStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
                10f, new float[] {6f, 4f}, 0f));
        chart.getStyler().setAnnotationTextFontColor(FAULT);
        return chart;
    }

    private static CategoryChart category(String title, String yTitle) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).yAxisTitle(yTitle)
                .build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setLabelsVisible(false);
        chart.getStyler().setYAxisMin(0.0);
        return chart;
    }

    private static void markEvents(XYChart chart, List<RunResult.EventResult> events, double top) {
        for (RunResult.EventResult e : events) {
            chart.addAnnotation(new AnnotationLine(e.atSeconds(), true, false));
            chart.addAnnotation(new AnnotationText(e.label(), e.atSeconds(), top * 0.95, false));
        }
    }

    /**
     * Bars that are all 0 (no session lost in any run, no steady window) leave XChart a y axis from 0 to 0, which it
     * scales by dividing by zero: NaN coordinates in the SVG, which browsers reject, and a lone "0" mid-chart. A
     * range of 0..1 draws them as the empty bars they are.
     */
    private static void giveFlatAxisARange(CategoryChart chart) {
        boolean flat = chart.getSeriesMap().values().stream().flatMap(s -> s.getYData().stream())
                .allMatch(v -> v == null || v.doubleValue() == 0);
        if (flat && chart.getStyler().getYAxisMax() == null) {
            chart.getStyler().setYAxisMax(1.0);
        }
    }

    private static List<String> names(List<RunResult> runs) {
        return runs.stream().map(RunResult::name).toList();
    }

    private static List<Double> values(List<RunResult> runs, ToDoubleFunction<RunResult> f) {
        List<Double> v = new ArrayList<>();
        runs.forEach(r -> v.add(f.applyAsDouble(r)));
        return v;
    }

    /** The chart as an {@code <svg>} element (the XML prolog and doctype dropped, so it can sit inside HTML). */
    static String svg(Chart<?, ?> chart) {
        if (chart instanceof CategoryChart bars) {
            giveFlatAxisARange(bars);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            VectorGraphicsEncoder.saveVectorGraphic(chart, out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        int start = text.indexOf("<svg");
        return start < 0 ? text : text.substring(start);
    }
}
