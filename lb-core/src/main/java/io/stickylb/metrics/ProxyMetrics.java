package io.stickylb.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.backend.BackendState;
import io.stickylb.routing.AffinityOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.function.IntToLongFunction;
import java.util.function.LongSupplier;

/**
 * The Prometheus view of one stickylb instance, produced by Micrometer: per pool and backend, requests, responses by
 * status class, errors by kind, in-flight, connections, latency histograms, state, weights and affinity outcomes;
 * plus JVM and process metrics. Counters are read from the lock-free {@link BackendStats} at scrape time, so the
 * request path pays nothing for them; only latency is recorded per request.
 */
public final class ProxyMetrics {

    private static final Duration[] LATENCY_BUCKETS = {
        Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(10), Duration.ofSeconds(30)};

    /**
     * Buckets of the latency timers' maximum window (Micrometer's default, set here so that the JIT warm-up can count
     * on it): the window turns one bucket at a time, several after a longer gap, all of it after a gap as long as the
     * window, and each of those is a branch of its own in the per-request path.
     */
    public static final int LATENCY_MAX_BUCKETS = 3;

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    /** The backends and pools with meters, and the tags that name their series. */
    private final Map<Backend, Tags> bound = new HashMap<>();
    private final Map<String, BackendPool> boundPools = new HashMap<>();
    /**
     * The suppliers behind the listener's meters. Micrometer holds a function meter's object weakly: a method
     * reference nobody else keeps is collected, and the meter then reads NaN or 0 for good.
     */
    private final List<Object> suppliers = new ArrayList<>();
    private final Duration latencyMaxWindow;

    public ProxyMetrics() {
        this(null);
    }

    /**
     * With the latency timers' maximum kept over {@code latencyMaxWindow} (Micrometer's distribution-statistic
     * expiry; null: the registry's default, a minute). The JIT warm-up's private instance uses a few milliseconds, so
     * the window's rotation, which a real instance first runs a minute after start, is compiled in early.
     */
    public ProxyMetrics(Duration latencyMaxWindow) {
        this.latencyMaxWindow = latencyMaxWindow;
        new JvmMemoryMetrics().bindTo(registry);
        new GcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Registers the listener's client connections: open now, accepted and refused (beyond
     * {@code limits.max-connections}) since start; read at scrape time.
     */
    public void bindClientConnections(IntSupplier open, LongSupplier accepted, LongSupplier refused) {
        suppliers.addAll(List.of(open, accepted, refused));
        Gauge.builder("stickylb_client_connections", open, IntSupplier::getAsInt)
                .description("Client connections open now").register(registry);
        FunctionCounter.builder("stickylb_client_connections_accepted", accepted, LongSupplier::getAsLong)
                .description("Client connections accepted since start").register(registry);
        FunctionCounter.builder("stickylb_client_connections_refused", refused, LongSupplier::getAsLong)
                .description("Client connections refused with 503 because max-connections were open")
                .register(registry);
    }

    /**
     * Registers the requests answered without a backend: {@code count.applyAsLong(i)} of {@code statuses[i]}, and at
     * {@code i == statuses.length} of any other status; read at scrape time.
     */
    public void bindLocalResponses(int[] statuses, IntToLongFunction count) {
        suppliers.add(count);
        for (int i = 0; i <= statuses.length; i++) {
            int index = i;
            FunctionCounter.builder("stickylb_local_responses", count, c -> c.applyAsLong(index))
                    .description("Requests answered by stickylb itself, never sent to a backend (malformed, no route,"
                            + " too large, too slow, no backend available)")
                    .tags("status", i < statuses.length ? Integer.toString(statuses[i]) : "other").register(registry);
        }
    }

    /**
     * Registers meters for every backend of these pools not seen before and removes those of backends and pools no
     * longer there (call at start and after each reload). A backend a reload removes and a later one brings back is a
     * new object: Micrometer would ignore its meters as already registered and keep showing the old object's frozen
     * counts, so the old series go first.
     */
    public synchronized void bind(Collection<BackendPool> pools) {
        Set<Backend> current = new HashSet<>();
        Map<String, BackendPool> currentPools = new HashMap<>();
        for (BackendPool pool : pools) {
            currentPools.put(pool.name(), pool);
            current.addAll(pool.backends());
        }
        bound.entrySet().removeIf(e -> {
            boolean gone = !current.contains(e.getKey());
            if (gone) {
                removeMeters(null, e.getValue());
            }
            return gone;
        });
        boundPools.entrySet().removeIf(e -> {
            boolean gone = currentPools.get(e.getKey()) != e.getValue();
            if (gone) {
                removeMeters("stickylb_pool_panic", Tags.of("pool", e.getKey()));
            }
            return gone;
        });
        for (BackendPool pool : pools) {
            Tags poolTags = Tags.of("pool", pool.name());
            if (boundPools.putIfAbsent(pool.name(), pool) == null) {
                Gauge.builder("stickylb_pool_panic", pool, p -> p.snapshot().panic() ? 1 : 0)
                        .description("1 while the pool is in panic mode (too few healthy backends)")
                        .tags(poolTags).register(registry);
            }
            for (Backend b : pool.backends()) {
                if (!bound.containsKey(b)) {
                    Tags tags = poolTags.and("backend", b.id());
                    bindBackend(b, tags);
                    bound.put(b, tags);
                }
            }
        }
    }

    /** Removes the meters carrying all of {@code tags} (and named {@code name}, unless null). */
    private void removeMeters(String name, Tags tags) {
        List<Tag> wanted = tags.stream().toList();
        List<Meter> gone = registry.getMeters().stream()
                .filter(m -> (name == null || m.getId().getName().equals(name))
                        && m.getId().getTags().containsAll(wanted))
                .toList();
        gone.forEach(registry::remove);
    }

    private void bindBackend(Backend b, Tags tags) {
        BackendStats s = b.stats();
        FunctionCounter.builder("stickylb_backend_requests", s, x -> x.requests.sum())
                .description("Requests dispatched to the backend").tags(tags).register(registry);
        for (int cls = 1; cls <= 5; cls++) {
            int c = cls;
            FunctionCounter.builder("stickylb_backend_responses", s, x -> x.responses(c))
                    .description("Answers clients got for requests the backend served, by status class"
                            + " (stickylb's own 502/504 when it failed, 400/408/413 for a body refused on the way;"
                            + " not an answer dropped for a retry)")
                    .tags(tags.and("class", cls + "xx")).register(registry);
        }
        for (ErrorKind kind : ErrorKind.values()) {
            FunctionCounter.builder("stickylb_backend_errors", s, x -> x.errors(kind))
                    .description("Failed requests to the backend, by kind")
                    .tags(tags.and("kind", kind.label())).register(registry);
        }
        for (AffinityOutcome o : AffinityOutcome.values()) {
            if (o == AffinityOutcome.NONE) {
                continue;
            }
            FunctionCounter.builder("stickylb_backend_affinity", s, x -> x.affinity(o))
                    .description("Affinity outcomes of requests served by the backend"
                            + " (hit, new, expired, forged, broken:*)")
                    .tags(tags.and("outcome", o.label())).register(registry);
        }
        FunctionCounter.builder("stickylb_backend_retries", s, x -> x.retries.sum())
                .description("Requests retried elsewhere after failing on this backend").tags(tags).register(registry);
        FunctionCounter.builder("stickylb_backend_connections_opened", s, x -> x.connectionsOpened.sum())
                .description("Connections opened to the backend, counted at the attempt (failed ones included)")
                .tags(tags).register(registry);
        FunctionCounter.builder("stickylb_backend_requests_queued", s, x -> x.queued.sum())
                .description("Requests that waited for a connection because max-pending-per-backend connects to the "
                        + "backend were open").tags(tags).register(registry);
        FunctionCounter.builder("stickylb_backend_queue_timeouts", s, x -> x.queueTimeouts.sum())
                .description("Queued requests answered 503 after waiting the connect timeout").tags(tags)
                .register(registry);
        FunctionCounter.builder("stickylb_backend_bytes_in", s, x -> x.bytesIn.sum())
                .description("Request body bytes sent to the backend").tags(tags).register(registry);
        FunctionCounter.builder("stickylb_backend_bytes_out", s, x -> x.bytesOut.sum())
                .description("Response body bytes relayed from the backend").tags(tags).register(registry);
        FunctionCounter.builder("stickylb_backend_health_checks", s, x -> x.healthChecksPassed.sum())
                .description("Active health checks, by result").tags(tags.and("result", "passed")).register(registry);
        FunctionCounter.builder("stickylb_backend_health_checks", s, x -> x.healthChecksFailed.sum())
                .description("Active health checks, by result").tags(tags.and("result", "failed")).register(registry);
        Gauge.builder("stickylb_backend_health_check_duration_seconds", s, x -> x.lastCheckMicros / 1e6)
                .description("Duration of the last active health check").tags(tags).register(registry);
        FunctionCounter.builder("stickylb_backend_ejections", s, x -> x.ejections.sum())
                .description("Passive ejections (outlier detection)").tags(tags).register(registry);
        Gauge.builder("stickylb_backend_in_flight", b, Backend::inFlight)
                .description("Requests in flight to the backend").tags(tags).register(registry);
        Gauge.builder("stickylb_backend_connections_idle", s, x -> x.idleConnections.get())
                .description("Idle pooled keep-alive connections to the backend").tags(tags).register(registry);
        Gauge.builder("stickylb_backend_tunnels_open", s, x -> x.openTunnels.get())
                .description("Open WebSocket tunnels to the backend (also counted in flight)").tags(tags)
                .register(registry);
        Gauge.builder("stickylb_backend_address_resolved", b, x -> x.socketAddress().isUnresolved() ? 0 : 1)
                .description("1 when the backend has an address to connect to, 0 while its host name has never "
                        + "resolved").tags(tags).register(registry);
        FunctionCounter.builder("stickylb_backend_lookup_failures", s, x -> x.lookupFailures.sum())
                .description("Failed lookups of the backend's host name").tags(tags).register(registry);
        Gauge.builder("stickylb_backend_connections_pending", b, Backend::pendingConnects)
                .description("Connections being opened to the backend").tags(tags).register(registry);
        Gauge.builder("stickylb_backend_requests_waiting", b, Backend::waitingRequests)
                .description("Requests waiting for a connection to the backend now").tags(tags).register(registry);
        Gauge.builder("stickylb_backend_weight", b, Backend::effectiveWeight)
                .description("Effective weight of the backend (runtime override, scaled while slow-starting)")
                .tags(tags).register(registry);
        Gauge.builder("stickylb_backend_configured_weight", b, Backend::configuredWeight)
                .description("Configured weight of the backend").tags(tags).register(registry);
        for (BackendState st : BackendState.values()) {
            Gauge.builder("stickylb_backend_state", b, x -> x.state() == st ? 1 : 0)
                    .description("1 for the backend's current state").tags(tags.and("state", st.name()))
                    .register(registry);
        }
        Timer.Builder latency = Timer.builder("stickylb_backend_latency")
                .description("Time from dispatch to the end of the response")
                .tags(tags).serviceLevelObjectives(LATENCY_BUCKETS)
                .distributionStatisticBufferLength(LATENCY_MAX_BUCKETS);
        if (latencyMaxWindow != null) {
            latency.distributionStatisticExpiry(latencyMaxWindow);
        }
        s.latencyTimer(latency.register(registry));
    }

    /** The Prometheus text exposition of everything. */
    public String scrape() {
        return registry.scrape();
    }

    /** The content type of {@link #scrape()}. */
    public static String contentType() {
        return "text/plain; version=0.0.4; charset=utf-8";
    }
}
