package io.stickylb.sample;

import java.util.concurrent.atomic.LongAdder;

/** The live counters behind {@link BackendStats}; written from every event loop, so adders rather than longs. */
final class StatsCounters {

    final LongAdder requests = new LongAdder();
    final LongAdder sessionsCreated = new LongAdder();
    final LongAdder sessionsLost = new LongAdder();
    final LongAdder connectionsAccepted = new LongAdder();
    final LongAdder connectionsOpen = new LongAdder();
}
