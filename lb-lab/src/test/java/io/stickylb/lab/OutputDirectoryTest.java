package io.stickylb.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Where an experiment writes its files, also when the output path goes through a directory that does not exist. */
@ExtendWith(NoChildProcessLeft.class)
class OutputDirectoryTest {

    @TempDir
    Path tmp;

    @Test
    void aPathThroughAMissingDirectoryAndDotDotGetsItsResults() throws Exception {
        // What `lb experiment` does by default for a scenario named "../x": lab-results/../x, lab-results missing.
        Scenario s = ScenarioLoader.parse("""
                name: dots
                duration: 1s
                backends: { count: 2, service-time: 1ms, mode: in-process }
                clients: { count: 5, rate: { total-rps: 20 } }
                strategies:
                  - { name: cookie, strategy: cookie }
                """, "dots.yaml");
        Path out = tmp.resolve("missing").resolve("..").resolve("x");
        new Experiment(s, out, Progress.silent(), new AtomicBoolean()).warmUp(Duration.ZERO).run();
        assertThat(tmp.resolve("x").resolve("results.json")).isRegularFile();
        assertThat(tmp.resolve("x").resolve("results.csv")).isRegularFile();
        assertThat(tmp.resolve("x").resolve("report.html")).isRegularFile();
        assertThat(Files.exists(tmp.resolve("missing"))).isFalse();
    }
}
