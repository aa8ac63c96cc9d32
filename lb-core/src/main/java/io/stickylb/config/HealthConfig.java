package io.stickylb.config;

/**
 * Health settings of a pool: optional active checks, passive outlier detection, and the panic threshold (percent of
 * healthy backends below which traffic is spread over all non-maintenance backends).
 */
public record HealthConfig(ActiveHealthConfig active, PassiveHealthConfig passive, int panicThreshold) {

    public static final HealthConfig DEFAULTS = new HealthConfig(null, PassiveHealthConfig.DEFAULTS, 50);

    public HealthConfig {
        if (passive == null) {
            passive = PassiveHealthConfig.DEFAULTS;
        }
        if (panicThreshold < 0 || panicThreshold > 100) {
            throw new IllegalArgumentException("panic-threshold: " + panicThreshold + " (expected: 0..100)");
        }
    }

    /** True when active checks are configured. */
    public boolean hasActive() {
        return active != null;
    }
}
