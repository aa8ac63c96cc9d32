package io.stickylb.config;

import java.util.Set;

/**
 * Recognises an experiment scenario (config/experiments/*.yaml) given where a proxy config was expected: its keys are
 * all unknown to the proxy, and "unknown key" would not tell the operator that the file itself is the wrong kind.
 */
final class ScenarioFiles {

    /** Keys every scenario has (lb-lab's ScenarioLoader requires them) and no proxy config may have. */
    private static final Set<String> SCENARIO_ONLY = Set.of("clients", "strategies");

    private ScenarioFiles() {
    }

    /** Throws when {@code root} has the scenario shape: no {@code pools}, and a scenario's own sections. */
    static void refuse(YamlNode root) throws ConfigException {
        if (!root.isMap()) {
            return;
        }
        YamlMap top = root.asMap();
        if (!top.keys().contains("pools") && top.keys().stream().anyMatch(SCENARIO_ONLY::contains)) {
            String file = root.source().name();
            throw new ConfigException(file + ": this is an experiment scenario, not a proxy config; run it with: "
                    + "lb experiment --scenario " + file);
        }
    }
}
