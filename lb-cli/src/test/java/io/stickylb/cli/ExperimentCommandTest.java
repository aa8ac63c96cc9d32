package io.stickylb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExperimentCommandTest {

    @TempDir
    Path dir;

    @Test
    void anInvalidScenarioIsReportedWithFileLineAndKeyAndExitCode2() throws IOException {
        Path file = Files.writeString(dir.resolve("bad.yaml"), """
                name: bad
                duration: 2s
                backends: { count: 2 }
                clients: { count: 10, rate: { distribution: pareto } }
                strategies:
                  - { name: rr, strategy: round-robin }
                """);

        Cli.Result r = Cli.run("experiment", "--scenario", file.toString(), "--out", dir.resolve("out").toString());

        assertThat(r.exitCode()).isEqualTo(LbCommand.BAD_CONFIG);
        assertThat(r.err()).startsWith(
                file + ":4: clients.rate.distribution: 'pareto' (expected one of: uniform, zipf)");
    }

    @Test
    void aShortScenarioRunsAndWritesItsResults() throws IOException {
        Path file = Files.writeString(dir.resolve("tiny.yaml"), """
                name: tiny
                seed: 3
                duration: 4s
                backends: { count: 2, mode: in-process }
                clients: { count: 50, rate: { total-rps: 200 } }
                strategies:
                  - { name: rr, strategy: round-robin }
                """);
        Path out = dir.resolve("out");

        Cli.Result r = Cli.run("experiment", "--scenario", file.toString(), "--out", out.toString(),
                "--duration", "2s", "--seed", "4");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("experiment tiny", "seed 4", "2s per strategy", "[1/1] rr", "max/mean",
                "results: " + out.resolve("results.json"));
        assertThat(out.resolve("results.json")).content().contains("\"seed\" : 4", "\"runs\"", "\"imbalanceMaxMean\"");
        assertThat(out.resolve("results.csv")).content().startsWith("run,strategy,")
                .contains("rr,round-robin,memory,b1");
        assertThat(out.resolve("report.html")).content().contains("<svg", "stickylb lab: tiny");
    }
}
