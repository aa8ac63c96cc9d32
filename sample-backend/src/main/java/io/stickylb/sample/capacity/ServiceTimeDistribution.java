package io.stickylb.sample.capacity;

/** How service times are drawn around the configured duration. */
public enum ServiceTimeDistribution {
    /** Every request takes exactly the configured time. */
    FIXED,
    /** Exponentially distributed with the configured time as mean (an M/M/c-style server). */
    EXPONENTIAL
}
