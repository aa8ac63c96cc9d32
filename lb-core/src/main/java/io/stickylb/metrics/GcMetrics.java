package io.stickylb.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/**
 * Collections and time spent in garbage collection per collector, read from the JVM's counters when scraped.
 * Replaces Micrometer's JvmGcMetrics, whose JMX notification listener does its work right after every collection,
 * on the proxy's core at the moment the event loop has just been paused: that showed in the proxy's p99 latency
 * (see docs/benchmarks.md). Counters read on scrape cost the data path nothing.
 */
final class GcMetrics implements MeterBinder {

    @Override
    public void bindTo(MeterRegistry registry) {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            FunctionCounter.builder("jvm.gc.collections", gc, g -> Math.max(0, g.getCollectionCount()))
                    .description("Garbage collections run by this collector")
                    .tag("gc", gc.getName()).register(registry);
            FunctionCounter.builder("jvm.gc.collection.time", gc, g -> Math.max(0, g.getCollectionTime()) / 1000.0)
                    .description("Time spent in collections by this collector (approximate, from the JVM's counter)")
                    .baseUnit("seconds").tag("gc", gc.getName()).register(registry);
        }
    }
}
