package io.stickylb.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The whole configuration of one stickylb instance: the client listener, worker threads ({@code 0} = one per core),
 * pools, routes, trusted proxies, admin listener, access log, limits, the graceful-shutdown drain time, the I/O
 * transport, whether requests get {@code X-Forwarded-*} headers, how their paths are normalised, whether client
 * connections start with a PROXY protocol header and TLS on the listener ({@code tls}, null for plain HTTP).
 * {@code source} is the file it came from (null when built in code).
 */
public record LoadBalancerConfig(
        Path source,
        Endpoint listen,
        int workers,
        Map<String, PoolConfig> pools,
        List<RouteConfig> routes,
        List<CidrRange> trustedProxies,
        AdminConfig admin,
        AccessLogConfig accessLog,
        LimitsConfig limits,
        Duration shutdownTimeout,
        TransportChoice transport,
        boolean forwardedHeaders,
        PathsConfig paths,
        boolean proxyProtocol,
        TlsConfig tls) {

    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

    public LoadBalancerConfig {
        Objects.requireNonNull(listen, "listen");
        if (workers < 0 || workers > 256) {
            throw new IllegalArgumentException("workers: " + workers + " (expected: 0 (auto) or 1..256)");
        }
        pools = Collections.unmodifiableMap(new LinkedHashMap<>(pools));
        routes = List.copyOf(routes);
        trustedProxies = List.copyOf(trustedProxies == null ? List.of() : trustedProxies);
        admin = admin == null ? AdminConfig.DISABLED : admin;
        accessLog = accessLog == null ? AccessLogConfig.DEFAULTS : accessLog;
        limits = limits == null ? LimitsConfig.DEFAULTS : limits;
        shutdownTimeout = Durations.requireNonNegative("shutdown-timeout",
                shutdownTimeout == null ? DEFAULT_SHUTDOWN_TIMEOUT : shutdownTimeout);
        transport = transport == null ? TransportChoice.AUTO : transport;
        paths = paths == null ? PathsConfig.DEFAULTS : paths;
        if (pools.isEmpty()) {
            throw new IllegalArgumentException("no pools configured");
        }
        for (RouteConfig r : routes) {
            if (!pools.containsKey(r.pool())) {
                throw new IllegalArgumentException("route " + r.host() + r.pathPrefix() + " names pool '" + r.pool()
                        + "', which is not defined (pools: " + String.join(", ", pools.keySet()) + ")");
            }
        }
    }

    /** A config with the default path normalisation, whose clients connect directly (no PROXY protocol). */
    public LoadBalancerConfig(Path source, Endpoint listen, int workers, Map<String, PoolConfig> pools,
            List<RouteConfig> routes, List<CidrRange> trustedProxies, AdminConfig admin, AccessLogConfig accessLog,
            LimitsConfig limits, Duration shutdownTimeout, TransportChoice transport, boolean forwardedHeaders) {
        this(source, listen, workers, pools, routes, trustedProxies, admin, accessLog, limits, shutdownTimeout,
                transport, forwardedHeaders, null, false, null);
    }

    /** A config that sends the forwarding headers (the default). */
    public LoadBalancerConfig(Path source, Endpoint listen, int workers, Map<String, PoolConfig> pools,
            List<RouteConfig> routes, List<CidrRange> trustedProxies, AdminConfig admin, AccessLogConfig accessLog,
            LimitsConfig limits, Duration shutdownTimeout, TransportChoice transport) {
        this(source, listen, workers, pools, routes, trustedProxies, admin, accessLog, limits, shutdownTimeout,
                transport, true);
    }

    /** A config with the transport chosen automatically. */
    public LoadBalancerConfig(Path source, Endpoint listen, int workers, Map<String, PoolConfig> pools,
            List<RouteConfig> routes, List<CidrRange> trustedProxies, AdminConfig admin, AccessLogConfig accessLog,
            LimitsConfig limits, Duration shutdownTimeout) {
        this(source, listen, workers, pools, routes, trustedProxies, admin, accessLog, limits, shutdownTimeout, null);
    }

    /** A config with one pool and a catch-all route to it; everything else default. */
    public static LoadBalancerConfig simple(Endpoint listen, PoolConfig pool) {
        return new LoadBalancerConfig(null, listen, 0, Map.of(pool.name(), pool),
                List.of(new RouteConfig("*", "/", pool.name())), List.of(), null, null, null, null);
    }

    /** The number of event-loop threads to run: {@code workers}, or the core count when 0. */
    public int effectiveWorkers() {
        return workers > 0 ? workers : Runtime.getRuntime().availableProcessors();
    }

    public LoadBalancerConfig withListen(Endpoint newListen) {
        return copy(f -> f.listen = newListen);
    }

    public LoadBalancerConfig withWorkers(int newWorkers) {
        return copy(f -> f.workers = newWorkers);
    }

    public LoadBalancerConfig withAdmin(AdminConfig newAdmin) {
        return copy(f -> f.admin = newAdmin);
    }

    public LoadBalancerConfig withAccessLog(AccessLogConfig newAccessLog) {
        return copy(f -> f.accessLog = newAccessLog);
    }

    public LoadBalancerConfig withPools(Map<String, PoolConfig> newPools) {
        return copy(f -> f.pools = newPools);
    }

    public LoadBalancerConfig withLimits(LimitsConfig newLimits) {
        return copy(f -> f.limits = newLimits);
    }

    public LoadBalancerConfig withShutdownTimeout(Duration newTimeout) {
        return copy(f -> f.shutdownTimeout = newTimeout);
    }

    public LoadBalancerConfig withTransport(TransportChoice newTransport) {
        return copy(f -> f.transport = newTransport);
    }

    public LoadBalancerConfig withForwardedHeaders(boolean send) {
        return copy(f -> f.forwardedHeaders = send);
    }

    public LoadBalancerConfig withPaths(PathsConfig newPaths) {
        return copy(f -> f.paths = newPaths);
    }

    public LoadBalancerConfig withProxyProtocol(boolean expect) {
        return copy(f -> f.proxyProtocol = expect);
    }

    public LoadBalancerConfig withTls(TlsConfig newTls) {
        return copy(f -> f.tls = newTls);
    }

    /** Each with-method's copy: this config's fields, one of them changed, through the canonical constructor. */
    private LoadBalancerConfig copy(Consumer<Fields> change) {
        Fields f = new Fields(this);
        change.accept(f);
        return new LoadBalancerConfig(f.source, f.listen, f.workers, f.pools, f.routes, f.trustedProxies, f.admin,
                f.accessLog, f.limits, f.shutdownTimeout, f.transport, f.forwardedHeaders, f.paths, f.proxyProtocol,
                f.tls);
    }

    /** A mutable copy of the components, so the with-methods name only the one they change. */
    private static final class Fields {
        private final Path source;
        private final List<RouteConfig> routes;
        private final List<CidrRange> trustedProxies;
        private Endpoint listen;
        private int workers;
        private Map<String, PoolConfig> pools;
        private AdminConfig admin;
        private AccessLogConfig accessLog;
        private LimitsConfig limits;
        private Duration shutdownTimeout;
        private TransportChoice transport;
        private boolean forwardedHeaders;
        private PathsConfig paths;
        private boolean proxyProtocol;
        private TlsConfig tls;

        Fields(LoadBalancerConfig c) {
            source = c.source;
            routes = c.routes;
            trustedProxies = c.trustedProxies;
            listen = c.listen;
            workers = c.workers;
            pools = c.pools;
            admin = c.admin;
            accessLog = c.accessLog;
            limits = c.limits;
            shutdownTimeout = c.shutdownTimeout;
            transport = c.transport;
            forwardedHeaders = c.forwardedHeaders;
            paths = c.paths;
            proxyProtocol = c.proxyProtocol;
            tls = c.tls;
        }
    }
}
