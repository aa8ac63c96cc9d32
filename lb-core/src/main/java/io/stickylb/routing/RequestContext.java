package io.stickylb.routing;

import io.netty.handler.codec.http.HttpRequest;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.backend.PoolSnapshot;
import java.net.InetAddress;

/**
 * What a strategy knows about one request: the client's address (after trusted-proxy resolution), the request head,
 * the pool and the snapshot taken when the request started (taken again only when a reload removed the backend it
 * waited for), backends excluded by retries, and the affinity decision the strategy records. Confined to the client's
 * event loop.
 */
public final class RequestContext {

    private static final Backend[] NONE = new Backend[0];

    private final BackendPool pool;
    private PoolSnapshot snapshot;
    private final HttpRequest request;
    private final InetAddress clientAddress;
    private Backend[] excluded = NONE;
    private AffinityOutcome affinity = AffinityOutcome.NONE;
    private Backend affinityHome;
    private Object attachment;

    public RequestContext(BackendPool pool, HttpRequest request, InetAddress clientAddress) {
        this(pool, pool.snapshot(), request, clientAddress);
    }

    public RequestContext(BackendPool pool, PoolSnapshot snapshot, HttpRequest request, InetAddress clientAddress) {
        this.pool = pool;
        this.snapshot = snapshot;
        this.request = request;
        this.clientAddress = clientAddress;
    }

    public BackendPool pool() {
        return pool;
    }

    public PoolSnapshot snapshot() {
        return snapshot;
    }

    /** Takes the pool's backends as they now stand: a reload changed them while this request waited. */
    public void refreshSnapshot() {
        snapshot = pool.snapshot();
    }

    /** The backends new clients may go to. */
    public Backend[] candidates() {
        return snapshot.available();
    }

    public HttpRequest request() {
        return request;
    }

    public InetAddress clientAddress() {
        return clientAddress;
    }

    /** Excludes a backend from further choices for this request (it just failed). */
    public void exclude(Backend backend) {
        Backend[] next = java.util.Arrays.copyOf(excluded, excluded.length + 1);
        next[excluded.length] = backend;
        excluded = next;
    }

    public boolean excluded(Backend backend) {
        for (Backend b : excluded) {
            if (b == backend) {
                return true;
            }
        }
        return false;
    }

    public int excludedCount() {
        return excluded.length;
    }

    public AffinityOutcome affinity() {
        return affinity;
    }

    public void affinity(AffinityOutcome outcome) {
        this.affinity = outcome;
    }

    /** A broken affinity and the backend it pointed to, so the break is counted there even when nobody serves. */
    public void affinity(AffinityOutcome outcome, Backend home) {
        this.affinity = outcome;
        this.affinityHome = home;
    }

    /** The backend a broken affinity pointed to, or null. */
    public Backend affinityHome() {
        return affinityHome;
    }

    /** Strategy-private state carried from {@code choose} to the response (e.g. the cookie to set). */
    public Object attachment() {
        return attachment;
    }

    public void attachment(Object value) {
        this.attachment = value;
    }
}
