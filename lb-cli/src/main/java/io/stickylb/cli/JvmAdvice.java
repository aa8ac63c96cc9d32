package io.stickylb.cli;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code lb run} says at start-up about the JVM it runs on: stickylb is tuned and measured with the parallel
 * collector and a fixed heap ({@code bin/lb} starts it that way). The collector a JVM picks by itself, G1 or (on one
 * CPU) Serial, measured clearly worse (docs/benchmarks.md). A collector chosen on the command line is the operator's
 * decision and is only mentioned.
 */
final class JvmAdvice {

    /** The advice: a warning when the JVM chose a collector by itself that stickylb is not measured with. */
    record Advice(boolean warn, String message) {
    }

    static final String RECOMMENDED = "-XX:+UseParallelGC -Xms256m -Xmx256m";

    /** The flags that choose a collector in JDK 17 (Epsilon needs experimental options first, but counts). */
    private static final Set<String> COLLECTOR_FLAGS = Set.of("-XX:+UseSerialGC", "-XX:+UseParallelGC",
            "-XX:+UseG1GC", "-XX:+UseZGC", "-XX:+UseShenandoahGC", "-XX:+UseEpsilonGC");

    private JvmAdvice() {
    }

    /** Advice for this JVM, or empty when it runs the parallel collector. */
    static Optional<Advice> forThisJvm() {
        List<String> collectors = new ArrayList<>();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            collectors.add(gc.getName());
        }
        return advise(collectors, ManagementFactory.getRuntimeMXBean().getInputArguments());
    }

    /** Advice for a JVM with these collector beans, started with these arguments. */
    static Optional<Advice> advise(List<String> collectorBeans, List<String> jvmArguments) {
        String collector = collectorName(collectorBeans);
        if (collector.equals("Parallel")) {
            return Optional.empty();
        }
        boolean chosen = jvmArguments.stream().anyMatch(COLLECTOR_FLAGS::contains);
        if (chosen) {
            return Optional.of(new Advice(false, "running with the " + collector
                    + " collector, as chosen on the command line (stickylb is measured with " + RECOMMENDED + ")"));
        }
        return Optional.of(new Advice(true, "the JVM chose the " + collector + " collector by itself; stickylb is "
                + "tuned and measured with " + RECOMMENDED + " (bin/lb starts it that way). With the JVM's own choice "
                + "it measured 5-9 % fewer requests per second, and with Serial a much longer tail "
                + "(docs/benchmarks.md, \"Which JVM options\")"));
    }

    /** The collector's family name from its beans' names (HotSpot's, as of JDK 17). */
    static String collectorName(List<String> beans) {
        for (String b : beans) {
            if (b.startsWith("PS ")) {
                return "Parallel";
            }
            if (b.startsWith("G1 ")) {
                return "G1";
            }
            if (b.equals("Copy") || b.equals("MarkSweepCompact")) {
                return "Serial";
            }
            if (b.startsWith("ZGC")) {
                return "Z";
            }
            if (b.startsWith("Shenandoah")) {
                return "Shenandoah";
            }
        }
        return beans.isEmpty() ? "unknown" : String.join("/", beans);
    }
}
