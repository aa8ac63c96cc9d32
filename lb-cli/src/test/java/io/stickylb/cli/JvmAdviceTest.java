package io.stickylb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The start-up advice about the JVM's collector: silent for Parallel, a warning for a JVM's own other choice. */
class JvmAdviceTest {

    @Test
    void theParallelCollectorGetsNoAdvice() {
        assertThat(JvmAdvice.advise(List.of("PS Scavenge", "PS MarkSweep"), List.of())).isEmpty();
        assertThat(JvmAdvice.advise(List.of("PS Scavenge", "PS MarkSweep"), List.of("-XX:+UseParallelGC")))
                .isEmpty();
    }

    @Test
    void aCollectorTheJvmChoseByItselfIsAWarningNamingTheOptionsToUse() {
        var g1 = JvmAdvice.advise(List.of("G1 Young Generation", "G1 Old Generation"), List.of("-Xmx1g"));
        assertThat(g1).hasValueSatisfying(a -> {
            assertThat(a.warn()).isTrue();
            assertThat(a.message()).contains("chose the G1 collector").contains("-XX:+UseParallelGC")
                    .contains("bin/lb").contains("docs/benchmarks.md");
        });
        // A JVM that sees one CPU (pinned with taskset) picks Serial.
        var serial = JvmAdvice.advise(List.of("Copy", "MarkSweepCompact"), List.of());
        assertThat(serial).hasValueSatisfying(a -> {
            assertThat(a.warn()).isTrue();
            assertThat(a.message()).contains("chose the Serial collector");
        });
    }

    @Test
    void aCollectorChosenOnTheCommandLineIsOnlyMentioned() {
        var z = JvmAdvice.advise(List.of("ZGC Cycles", "ZGC Pauses"), List.of("-Xmx2g", "-XX:+UseZGC"));
        assertThat(z).hasValueSatisfying(a -> {
            assertThat(a.warn()).isFalse();
            assertThat(a.message()).contains("Z collector").contains("chosen on the command line");
        });
        var serial = JvmAdvice.advise(List.of("Copy", "MarkSweepCompact"), List.of("-XX:+UseSerialGC"));
        assertThat(serial).hasValueSatisfying(a -> assertThat(a.warn()).isFalse());
        // Options that merely mention a collector do not count as choosing one.
        var g1 = JvmAdvice.advise(List.of("G1 Young Generation"), List.of("-XX:G1HeapRegionSize=4m"));
        assertThat(g1).hasValueSatisfying(a -> assertThat(a.warn()).isTrue());
    }

    @Test
    void theOptionsItRecommendsAreTheOnesBinLbStartsWith() throws IOException {
        // lb-cli's tests run in lb-cli/; bin/lb is at the repository's root.
        List<String> lines = Files.readAllLines(Path.of("..", "bin", "lb"));
        assertThat(lines).contains("DEFAULT_JAVA_OPTS=\"" + JvmAdvice.RECOMMENDED + "\"");
    }

    @Test
    void theRunningJvmsCollectorIsRecognised() {
        List<String> beans = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(GarbageCollectorMXBean::getName).toList();
        assertThat(JvmAdvice.collectorName(beans)).isIn("Parallel", "G1", "Serial", "Z", "Shenandoah");
        assertThat(JvmAdvice.collectorName(List.of("Epsilon Heap"))).isEqualTo("Epsilon Heap");
    }
}
