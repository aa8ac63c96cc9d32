package io.stickylb.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report page for results at the edges: every chart must stay valid SVG, whatever the numbers. */
class HtmlReportTest {

    @Test
    void chartsOfNothingButZerosHaveNoNanCoordinates() {
        // Sticky strategies without a fault lose no session: the losses chart has only zero bars. A run in which
        // every request failed has no latency and no steady load either.
        ExperimentResult result = new ExperimentResult("calm", "calm.yaml", 1, 1, 0, "now", Map.of(), "", List.of(),
                List.of(run("cookie", 1, 0, 1), run("ip", 1, 0, 1), run("broken", 0, 0, 0)));
        String html = HtmlReport.render(result);
        assertThat(html).contains("<h2>Session losses</h2>\n<svg").doesNotContain("NaN").doesNotContain("Infinity");
        ExperimentResult failed = new ExperimentResult("failed", "failed.yaml", 1, 1, 0, "now", Map.of(), "",
                List.of(), List.of(run("broken", 0, 0, 0)));
        assertThat(HtmlReport.render(failed)).doesNotContain("NaN").doesNotContain("Infinity");
    }

    private static RunResult run(String name, double maxMean, long lost, double p50) {
        return new RunResult(name, "cookie", "memory", false, 1, 10, 0, Map.of(), 0, 10, maxMean, 0,
                "0.0s-1.0s", 1.0, 10, 10, 1, lost, 0, p50, p50, p50, p50, 0,
                List.of(new RunResult.BackendResult("b1", 10, 1, 10, 1, 1, 1, 1, 2, 3, 0)), List.of(),
                new RunResult.Timeline(List.of("b1"), new long[][] {{10}}, new long[] {lost}, new long[] {0}));
    }
}
