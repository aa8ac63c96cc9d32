package io.stickylb.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
        return new LoadBalancerConfig(source, newListen, workers, pools, routes, trustedProxies, admin, accessLog,
                limits, shutdownTimeout, transport, forwardedHeaders, paths, proxyProtocol, tls);
    }

    public LoadBalancerConfig withWorkers(int newWorkers) {
        return new LoadBalancerConfig(source, listen, newWorkers, pools, routes, trustedProxies, admin, accessLog,
                limits, shutdownTimeout, transport, forwardedHeaders, paths, proxyProtocol, tls);
    }

    public LoadBalancerConfig withAdmin(AdminConfig newAdmin) {
        return new LoadBalancerConfig(source, listen, workers, pools, routes, trustedProxies, newAdmin, accessLog,
                limits, shutdownTimeout, transport, forwardedHeaders, paths, proxyProtocol, tls);
    }

    public LoadBalancerConfig withAccessLog(AccessLogConfig newAccessLog) {
        return new LoadBalancerConfig(source, listen, workers, pools, routes, trustedProxies, admin, newAccessLog,
                limits, shutdownTimeout, transport, forwardedHeaders, paths, proxyProtocol, tls);
    }

    public LoadBalancerConfig withPools(Map<String, PoolConfig> newPools) {
        return new LoadBalancerConfig(source, listen, workers, newPools, routes, trustedProxies, admin, accessLog,
                limits, shutdownTimeout, transport, forwardedHeaders, paths, proxyProtocol, tls);
    }

    public LoadBalancerConfig withLimits(LimitsConfig newLimits) {
        return new LoadBalancerConfig(source, listen, workers, pools, routes, trustedProxies, admin, accessLog,
                newLimits, shutdownTimeout, transport, forwardedHeaders, paths, proxyProtocol, tls);
    }

    public LoadBalancerConfig withShutdownTimeout(Duration newTimeout) {
        return new LoadBalancerConfig(source, listen, workers, pools, routes, trustedProxies, admin, accessLog,
                limits, newTimeout, transport, forwardedHeaders, paths, proxyProtocol, tls);
    }

    public LoadBalancerConfig withTransport(TransportChoice newTransport) {
        return new LoadBalancerConfig(source, listen, workers, pools, routes, trustedProxies, admin, accessLog,
                limits, shutdownTimeout, newTransport, forwardedHeaders, paths, proxyProtocol, tls);
    }

    public LoadBalancerConfig withForwardedHeaders(boolean send) {
        return new LoadBalancerConfig(source, listen, workers, pools, routes, trustedProxies, admin, accessLog,
                limits, shutdownTimeout, transport, send, paths, proxyProtocol, tls);
    }

    public LoadBalancerConfig withPaths(PathsConfig newPaths) {
        return new LoadBalancerConfig(source, listen, workers, pools, routes, trustedProxies, admin, accessLog,
                limits, shutdownTimeout, transport, forwardedHeaders, newPaths, proxyProtocol, tls);
    }

    public LoadBalancerConfig withProxyProtocol(boolean expect) {
        return new LoadBalancerConfig(source, listen, workers, pools, routes, trustedProxies, admin, accessLog,
                limits, shutdownTimeout, transport, forwardedHeaders, paths, expect, tls);
    }

    public LoadBalancerConfig withTls(TlsConfig newTls) {
        return new LoadBalancerConfig(source, listen, workers, pools, routes, trustedProxies, admin, accessLog,
                limits, shutdownTimeout, transport, forwardedHeaders, paths, proxyProtocol, newTls);
    }
}
