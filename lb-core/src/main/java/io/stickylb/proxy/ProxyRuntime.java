package io.stickylb.proxy;

import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.pool.ConnectionPools;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the proxy handlers of one running instance share: the current config and {@link Upstreams} (both swapped
 * atomically on reload), the per-loop connection pools, the access log and the count of requests in flight.
 */
public final class ProxyRuntime {

    private volatile LoadBalancerConfig config;
    private volatile Upstreams upstreams;
    private volatile AccessLog accessLog;
    private volatile ConnectionPools connections;
    private volatile boolean draining;
    private volatile boolean cuttingOff;
    private final AtomicInteger activeExchanges = new AtomicInteger();
    private final AtomicInteger lingeringConnections = new AtomicInteger();
    private final LocalAnswers localAnswers = new LocalAnswers();

    public ProxyRuntime(LoadBalancerConfig config, Upstreams upstreams) {
        this.config = config;
        this.upstreams = upstreams;
        this.accessLog = new AccessLog(config.accessLog());
    }

    public LoadBalancerConfig config() {
        return config;
    }

    public Upstreams upstreams() {
        return upstreams;
    }

    public AccessLog accessLog() {
        return accessLog;
    }

    /** The requests answered without a backend (malformed, no route, too large, too slow). */
    public LocalAnswers localAnswers() {
        return localAnswers;
    }

    public ConnectionPools connections() {
        return connections;
    }

    /** Set once at start, before the listener accepts anything. */
    public void connections(ConnectionPools pools) {
        this.connections = pools;
    }

    /** Publishes a new generation (reload). In-flight requests keep the pool snapshots they took. */
    public void update(LoadBalancerConfig newConfig, Upstreams newUpstreams) {
        this.config = newConfig;
        this.upstreams = newUpstreams;
        this.accessLog = new AccessLog(newConfig.accessLog());
    }

    /** True once graceful shutdown began: responses close their connections, idle connections are closed. */
    public boolean draining() {
        return draining;
    }

    public void startDraining() {
        this.draining = true;
    }

    /** True once the shutdown's drain time is over and the connections still open are being closed. */
    public boolean cuttingOff() {
        return cuttingOff;
    }

    /** Marks what ends from now on as ended by the shutdown (the access log's {@code end=shutdown}). */
    public void startCuttingOff() {
        this.cuttingOff = true;
    }

    public int activeExchanges() {
        return activeExchanges.get();
    }

    void exchangeStarted() {
        activeExchanges.incrementAndGet();
    }

    void exchangeFinished() {
        activeExchanges.decrementAndGet();
    }

    /**
     * Client connections closing gently (answer, FIN, then reading until the client is done): a graceful shutdown
     * waits for them as for requests in flight, since closing one with unread bytes resets it and may destroy the
     * answer the client has not read yet.
     */
    public int lingeringConnections() {
        return lingeringConnections.get();
    }

    void lingerStarted() {
        lingeringConnections.incrementAndGet();
    }

    void lingerEnded() {
        lingeringConnections.decrementAndGet();
    }
}
