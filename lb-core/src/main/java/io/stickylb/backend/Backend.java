package io.stickylb.backend;

import io.netty.util.NetUtil;
import io.stickylb.config.BackendConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.metrics.BackendStats;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One backend server as the proxy sees it: its config, its operator/health state and its live counters. Identity is
 * the pool name plus backend id, so a reload that keeps the id keeps the object (and its counters and connections).
 * State is read by any thread; it changes only through {@link BackendPool}, which republishes its snapshot.
 */
public final class Backend {

    private final String poolName;
    private final String id;
    private volatile BackendConfig config;
    private volatile InetSocketAddress socketAddress;
    private volatile AdminState adminState = AdminState.ENABLED;
    private volatile boolean healthy = true;
    private volatile boolean ejected;
    private volatile int weightOverride;
    private volatile double weightScale = 1.0;
    private volatile HealthCheckResult lastCheck;
    private volatile boolean retired;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger pendingConnects = new AtomicInteger();
    private final AtomicInteger waitingRequests = new AtomicInteger();
    private final BackendStats stats = new BackendStats();

    Backend(String poolName, BackendConfig config) {
        this.poolName = poolName;
        this.id = config.id();
        applyConfig(config);
    }

    public String poolName() {
        return poolName;
    }

    public String id() {
        return id;
    }

    public BackendConfig config() {
        return config;
    }

    public Endpoint endpoint() {
        return config.address();
    }

    /**
     * The address to connect to. For a host name it is the latest address {@link BackendAddresses} found, or unresolved
     * until the first lookup succeeds: connections are never made with a name, since resolving one would block the
     * event loop that connects. A new object exactly when the address changes.
     */
    public InetSocketAddress socketAddress() {
        return socketAddress;
    }

    /** True when the configured host is a name (not an IP address) and must be looked up. */
    public boolean hasHostName() {
        return literal(config.address()) == null;
    }

    /**
     * Sets the address a lookup of the configured host found; false (and no change) when the config moved it to
     * another endpoint meanwhile, so a late lookup of the old name cannot overwrite the new one.
     */
    boolean resolved(Endpoint lookedUp, InetAddress address) {
        synchronized (this) {
            if (!config.address().equals(lookedUp)) {
                return false;
            }
            InetSocketAddress current = socketAddress;
            // The same object while the address stays: pooled connections compare it by identity.
            if (current.isUnresolved() || !current.getAddress().equals(address)) {
                this.socketAddress = new InetSocketAddress(address, lookedUp.port());
            }
            return true;
        }
    }

    /**
     * The weight in effect: an operator's runtime override, else the configured weight. Hash tables (ip-hash,
     * header-hash, successors) are built from it, so a slow start never remaps keys twice.
     */
    public int weight() {
        int w = weightOverride;
        return w > 0 ? w : config.weight();
    }

    /**
     * {@link #weight()} scaled by slow start: what the picking strategies (round robin, least connections, a cookie
     * pool's first assignments) use. Fractional, so a ramp works at the default weight 1 too.
     */
    public double effectiveWeight() {
        double scale = weightScale;
        return scale >= 1.0 ? weight() : weight() * scale;
    }

    /** Slow start: the fraction of its weight the backend gets while ramping up (1.0 = full). */
    public double weightScale() {
        return weightScale;
    }

    /** Set by slow start; the pool must republish its snapshot for strategies to see it. */
    public void weightScale(double scale) {
        this.weightScale = Math.max(0.0, Math.min(1.0, scale));
    }

    /** The last active health-check result, or null when no check ran yet. */
    public HealthCheckResult lastCheck() {
        return lastCheck;
    }

    public void lastCheck(HealthCheckResult result) {
        this.lastCheck = result;
    }

    public int configuredWeight() {
        return config.weight();
    }

    void weightOverride(int weight) {
        this.weightOverride = weight;
    }

    public String route() {
        return config.route();
    }

    /**
     * The state the proxy acts on: MAINTENANCE when the operator said so; DOWN when active checks failed or passive
     * detection ejected it; DRAINING when the operator drains it; else UP. A draining backend that fails its checks is
     * DOWN, so its sticky clients move at once.
     */
    public BackendState state() {
        if (adminState == AdminState.MAINTENANCE) {
            return BackendState.MAINTENANCE;
        }
        if (!healthy || ejected) {
            return BackendState.DOWN;
        }
        return adminState == AdminState.DRAINING ? BackendState.DRAINING : BackendState.UP;
    }

    public AdminState adminState() {
        return adminState;
    }

    void adminState(AdminState s) {
        this.adminState = s;
    }

    /** Whether active health checks consider it healthy (true when no checks run). */
    public boolean healthy() {
        return healthy;
    }

    void healthy(boolean h) {
        this.healthy = h;
    }

    /** Whether passive outlier detection has ejected it. */
    public boolean ejected() {
        return ejected;
    }

    void ejected(boolean e) {
        this.ejected = e;
    }

    void applyConfig(BackendConfig newConfig) {
        synchronized (this) {
            Endpoint before = config == null ? null : config.address();
            this.config = newConfig;
            if (!newConfig.address().equals(before)) {
                // An IP address is used as it is; a name stays unresolved until its first lookup. The same endpoint
                // keeps the address already found.
                InetAddress ip = literal(newConfig.address());
                socketAddress = ip != null ? new InetSocketAddress(ip, newConfig.address().port())
                        : InetSocketAddress.createUnresolved(newConfig.address().host(), newConfig.address().port());
            }
        }
    }

    /** The endpoint's host as an address when it is an IP literal (parsed, never looked up), else null. */
    private static InetAddress literal(Endpoint endpoint) {
        return NetUtil.createInetAddressFromIpAddressString(endpoint.host());
    }

    /**
     * True once a reload removed this backend for good (a backend added back later is a new object). A connection to
     * it that was busy during the reload must close when its exchange ends: pooled, nothing would ever take it again,
     * and it would hold the removed server's socket until {@code timeouts.idle}.
     */
    public boolean retired() {
        return retired;
    }

    public void retire() {
        this.retired = true;
    }

    /** Requests currently being served by this backend (from dispatch to the end of the response). */
    public int inFlight() {
        return inFlight.get();
    }

    public void requestStarted() {
        inFlight.incrementAndGet();
        stats.requests.increment();
    }

    public void requestFinished() {
        inFlight.decrementAndGet();
    }

    /** Connections being opened to this backend right now. */
    public int pendingConnects() {
        return pendingConnects.get();
    }

    /**
     * Counts a connect as started unless {@code limit} are already open. One compare-and-set, not a look then a count:
     * requests on several event loops reach the same backend at once, and each must not see the same free place.
     */
    public boolean tryStartConnect(int limit) {
        for (int open = pendingConnects.get(); open < limit; open = pendingConnects.get()) {
            if (pendingConnects.compareAndSet(open, open + 1)) {
                return true;
            }
        }
        return false;
    }

    public void connectFinished() {
        pendingConnects.decrementAndGet();
    }

    /** Requests waiting for a connection while {@code max-pending-per-backend} connects to this backend are open. */
    public int waitingRequests() {
        return waitingRequests.get();
    }

    public void requestWaiting() {
        waitingRequests.incrementAndGet();
        stats.queued.increment();
    }

    public void requestStoppedWaiting() {
        waitingRequests.decrementAndGet();
    }

    public BackendStats stats() {
        return stats;
    }

    @Override
    public String toString() {
        return poolName + "/" + id;
    }
}
