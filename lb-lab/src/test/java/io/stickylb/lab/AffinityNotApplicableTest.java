package io.stickylb.lab;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.CategorySeries;

/**
 * A run in which no request carried a session cookie has no affinity ratio (0 of 0): every output says so ("n/a",
 * an empty CSV cell, null in JSON) instead of 0 %, which would read as affinity totally broken.
 */
@ExtendWith(NoChildProcessLeft.class)
class AffinityNotApplicableTest {

    @TempDir
    Path out;

    @Test
    void clientsWithoutCookiesGetNoAffinityRatioInAnyOutput() throws Exception {
        Scenario s = ScenarioLoader.parse("""
                name: cookieless
                seed: 7
                duration: 1s
                warmup: 0s
                backends: { count: 2, service-time: 1ms, mode: in-process }
                clients: { count: 20, keep-cookies: 0, rate: { total-rps: 100 } }
                strategies:
                  - { name: cookie, strategy: cookie }
                """, "cookieless.yaml");
        StringWriter console = new StringWriter();
        ExperimentResult result = new Experiment(s, out, new Progress(new PrintWriter(console), false),
                new AtomicBoolean()).warmUp(Duration.ZERO).run();
        RunResult r = result.runs().get(0);
        assertThat(r.requests()).as("the run sent requests").isPositive();
        assertThat(r.requestsWithSession()).as("no client kept its cookie").isZero();
        assertThat((Object) r.affinityRatio()).isNull();

        JsonNode run = ResultFiles.JSON.readTree(out.resolve("results.json").toFile()).get("runs").get(0);
        assertThat(run.has("affinityRatio")).isTrue();
        assertThat(run.get("affinityRatio").isNull()).as("results.json: " + run.get("affinityRatio")).isTrue();

        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        int column = Arrays.asList(csv.get(0).split(",", -1)).indexOf("run_affinity_ratio");
        assertThat(csv).hasSize(3);
        for (String row : csv.subList(1, csv.size())) {
            assertThat(row.split(",", -1)[column]).as(row).isEmpty();
        }

        String table = SummaryTable.render(result);
        String row = table.lines().filter(l -> l.startsWith("cookie ")).findFirst().orElseThrow();
        assertThat(row).contains(" n/a ").doesNotContain("%");
        assertThat(console.toString()).contains("affinity n/a,").doesNotContain("affinity 0.0%");

        String html = Files.readString(out.resolve("report.html"));
        String summary = html.substring(html.indexOf("<h2>Summary</h2>"), html.indexOf("<h2>Load imbalance</h2>"));
        assertThat(summary).contains("<td class=\"n\">n/a</td>").doesNotContain("0.0 %");
        assertThat(html).contains("<h2>Affinity</h2>\n<svg");
    }

    @Test
    void aRunWithSessionsKeepsItsPercentageBesideOneWithout() {
        RunResult with = run("with", 0.9876);
        RunResult without = run("without", null);
        ExperimentResult result = new ExperimentResult("mix", "mix.yaml", 1, 1, 0, "now", java.util.Map.of(), "",
                List.of(), List.of(with, without));
        String table = SummaryTable.render(result);
        assertThat(table.lines().filter(l -> l.startsWith("with ")).findFirst().orElseThrow()).contains(" 98.8%");
        assertThat(table.lines().filter(l -> l.startsWith("without ")).findFirst().orElseThrow()).contains(" n/a ");
        String html = HtmlReport.render(result);
        assertThat(html).contains("<td class=\"n\">98.8 %</td>", "<td class=\"n\">n/a</td>");
        CategorySeries bars = Charts.affinityChart(List.of(with, without)).getSeriesMap().get("affinity");
        assertThat(new ArrayList<Object>(bars.getXData())).containsExactly("with", "without (n/a)");
        assertThat(new ArrayList<Object>(bars.getYData())).as("no bar for the run without the ratio")
                .containsExactly(98.76, null);
        assertThat(Charts.affinity(List.of(without))).as("a chart of runs that all lack it still draws")
                .startsWith("<svg");
    }

    private static RunResult run(String name, Double affinity) {
        return new RunResult(name, "cookie", "memory", false, 1, 10, 0, java.util.Map.of(), 0, 10, 1, 0,
                "0.0s-1.0s", affinity, affinity == null ? 0 : 10, affinity == null ? 0 : 9, 1, 0, 0, 1, 2, 3, 4, 0,
                List.of(new RunResult.BackendResult("b1", 10, 1, 10, 1, 1, 1, 1, 2, 3, 0)), List.of(),
                new RunResult.Timeline(List.of("b1"), new long[][] {{10}}, new long[] {0}, new long[] {0}));
    }
}
