package io.stickylb.sample;

import io.netty.channel.group.ChannelGroup;
import io.stickylb.sample.capacity.ConcurrencyLimiter;
import io.stickylb.sample.capacity.ServiceTime;
import io.stickylb.sample.session.SessionStore;
import java.util.concurrent.atomic.AtomicBoolean;

/** What every connection of one running backend shares: identity, store, counters, capacity model, health. */
final class BackendContext {

    final String id;
    final String jvmRoute;
    final SessionStore store;
    final StatsCounters counters;
    final ConcurrencyLimiter limiter;
    final ServiceTime serviceTime;
    final AtomicBoolean healthy;
    final ChannelGroup channels;
    /** Set while the session store fails, so an outage is logged once rather than once per request. */
    final AtomicBoolean storeFailing = new AtomicBoolean();
    volatile boolean stopping;

    BackendContext(SampleBackendOptions options, SessionStore store, StatsCounters counters, AtomicBoolean healthy,
            ChannelGroup channels) {
        this.id = options.id();
        this.jvmRoute = options.jvmRoute();
        this.store = store;
        this.counters = counters;
        this.limiter = new ConcurrencyLimiter(options.maxConcurrency());
        this.serviceTime = options.serviceTimeModel();
        this.healthy = healthy;
        this.channels = channels;
    }

    BackendStats stats() {
        return new BackendStats(id, counters.requests.sum(), counters.sessionsCreated.sum(),
                counters.sessionsLost.sum(), store.activeSessions(), counters.connectionsAccepted.sum(),
                counters.connectionsOpen.sum(), limiter.inService(), limiter.queued());
    }
}
