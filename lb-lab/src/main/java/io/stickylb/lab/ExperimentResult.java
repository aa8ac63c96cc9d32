package io.stickylb.lab;

import java.util.List;
import java.util.Map;

/**
 * Everything an experiment produced: the scenario as run (with its seed and the file's text) and one result per
 * strategy.
 */
public record ExperimentResult(
        String scenario,
        String file,
        long seed,
        double durationSeconds,
        double warmupSeconds,
        String startedAt,
        Map<String, Object> settings,
        String scenarioYaml,
        List<String> skipped,
        List<RunResult> runs) {
}
