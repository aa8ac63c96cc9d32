package io.stickylb.lab;

import java.time.Duration;
import java.util.List;

/**
 * The sample backends of a scenario: how many, their weights, their capacity model (a service time, fixed or
 * exponentially distributed around its mean, and a concurrency limit beyond which requests queue), where sessions
 * live, and whether they run as child processes (needed for a real SIGKILL) or inside the lab's JVM.
 */
public record BackendSpec(
        int count,
        List<Integer> weights,
        Duration serviceTime,
        ServiceTimeDistribution serviceTimeDistribution,
        int maxConcurrency,
        SessionStore sessionStore,
        String redisUrl,
        LaunchMode mode) {

    /** How long a request takes on a backend. */
    public enum ServiceTimeDistribution { FIXED, EXPONENTIAL }

    /** Child processes, in-process servers, or: processes only when an event needs to kill or stop one. */
    public enum LaunchMode { AUTO, PROCESS, IN_PROCESS }

    public BackendSpec {
        weights = List.copyOf(weights);
    }

    /** The weight of backend {@code index} (0-based); backends added at run time weigh 1. */
    public int weight(int index) {
        return index < weights.size() ? weights.get(index) : 1;
    }
}
