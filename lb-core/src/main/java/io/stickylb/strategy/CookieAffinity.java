package io.stickylb.strategy;

import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendState;
import io.stickylb.config.AffinityConfig;
import io.stickylb.config.PoolAdvice;
import io.stickylb.config.PoolConfig;
import io.stickylb.routing.AffinityOutcome;
import io.stickylb.routing.RequestContext;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code strategy: cookie}, the affinity decorator: a request pinned to a backend that may serve it goes there (HIT,
 * DRAINING backends included); one without usable affinity (NEW, FORGED, EXPIRED) goes to the {@code fallback}
 * strategy and gets a new affinity; one pinned to a backend that cannot serve it is BROKEN_DOWN, BROKEN_DRAINING,
 * BROKEN_REMOVED (id no longer configured) or BROKEN_CONNECT_FAILED (the proxy is retrying after a failed connect).
 * How the affinity travels is the mode's {@link AffinityCarrier}: {@link InsertCookie}, {@link PrefixCookie},
 * {@link RouteSuffix} or {@link LearnedRoute}.
 *
 * <p>Broken affinity, {@code on-unavailable: redispatch} (default): the client goes to its deterministic successor,
 * the first available backend in its own weighted rendezvous order ({@link Rendezvous}), keyed by the token nonce
 * or the session id, so every instance agrees and a dead backend's clients spread evenly. {@code fail}: no backend
 * (the proxy answers 503); the outcome is still recorded in the request context. Then:
 * <ul>
 *   <li>{@code change-cookie-on-failure: true, return-home: never} (defaults): the affinity is re-pinned to the
 *       successor (insert: a new cookie with the same nonce; prefix: the successor's session cookie carries it;
 *       learn: the table entry moves), and the client stays there when its old backend recovers.</li>
 *   <li>{@code change-cookie-on-failure: false}, or {@code return-home: immediate}: the affinity keeps naming the
 *       original backend; the client uses the same successor while that backend is unavailable and goes back as soon
 *       as it serves again.</li>
 * </ul>
 * Route-suffix never rewrites anything: the successor's own new session id carries its route.
 *
 * <p>Called on the client's event loop; thread-safe. {@code choose} reads the request once and keeps the result in
 * the context's attachment, so a second call after a connect failure (when the affinity cookie may already have been
 * stripped) decides on the same data.
 */
public final class CookieAffinity implements LoadBalancingStrategy {

    private static final Logger log = LoggerFactory.getLogger(CookieAffinity.class);
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private final AffinityConfig.Mode mode;
    private final AffinityCarrier carrier;
    private final LoadBalancingStrategy fallback;
    /** balance-factor: here it shapes only first assignments, since moving a pinned client would lose its session. */
    private final BoundedLoad load;
    private final boolean failWhenUnavailable;
    private final boolean repinOnFailure;
    private final Clock clock;
    private volatile BackendIndex index;

    CookieAffinity(PoolConfig config) {
        this(config, Clock.systemUTC(), () -> ThreadLocalRandom.current().nextLong());
    }

    /** With an injected clock (token times, learn ttl) and nonce source, for tests. */
    CookieAffinity(PoolConfig config, Clock clock, LongSupplier nonces) {
        this.clock = clock;
        this.fallback = HashFallback.create(config);
        this.load = new BoundedLoad(config.balanceFactor());
        this.failWhenUnavailable = config.onUnavailable() == PoolConfig.OnUnavailable.FAIL;
        this.repinOnFailure = config.changeCookieOnFailure() && config.returnHome() == PoolConfig.ReturnHome.NEVER;
        for (String advice : PoolAdvice.of(config)) {
            if (WARNED.add(advice)) {
                log.warn(advice);
            }
        }
        AffinityConfig a = config.affinity();
        this.mode = a.mode();
        this.carrier = switch (a.mode()) {
            case INSERT -> new InsertCookie(a, new TokenIssuer(codec(config), a, true, nonces));
            case PREFIX -> new PrefixCookie(a, new TokenIssuer(codec(config), a, false, nonces));
            case ROUTE_SUFFIX -> new RouteSuffix(a);
            case LEARN -> new LearnedRoute(a, new LearnedSessions(a.maxEntries(), a.ttl().toMillis(), clock::millis));
        };
    }

    /**
     * The signing keys: the configured secrets, or one derived from the pool name. The derived key deliberately
     * ignores the backend list, so adding or removing a backend does not invalidate every client's cookie; it is
     * public knowledge, though, so a fleet (and anyone who cares about forged cookies) needs an explicit secret.
     */
    private static TokenCodec codec(PoolConfig config) {
        List<String> secrets = config.affinity().secrets();
        if (secrets.isEmpty()) {
            secrets = List.of("stickylb derived affinity key\0" + config.name());
        }
        for (var b : config.backends()) {
            if (b.id().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > TokenCodec.MAX_ID_BYTES) {
                throw new IllegalArgumentException("pool '" + config.name() + "': backend id '" + b.id()
                        + "' is too long for an affinity token (max " + TokenCodec.MAX_ID_BYTES + " bytes)");
            }
        }
        return new TokenCodec(secrets);
    }

    @Override
    public Backend choose(RequestContext ctx) {
        AffinityState s = stateOf(ctx);
        s.broken = false;
        s.repin = false;
        if (s.home == null) {
            ctx.affinity(s.unpinned);
            Backend pick = fallback.choose(ctx);
            return s.chosen = pick != null && load.enabled() ? withRoom(ctx, pick) : pick;
        }
        BackendIndex.Member m = indexFor(ctx).lookup(s.home, s.carrier.homeIsRoute());
        Backend home = m == null ? null : m.backend();
        AffinityOutcome outcome;
        if (home == null) {
            outcome = AffinityOutcome.BROKEN_REMOVED;
        } else if (ctx.excluded(home)) {
            // A draining backend that stops accepting connections ended its drain before its clients did.
            outcome = home.state() == BackendState.DRAINING ? AffinityOutcome.BROKEN_DRAINING
                    : AffinityOutcome.BROKEN_CONNECT_FAILED;
        } else if (m.sticky()) {
            ctx.affinity(AffinityOutcome.HIT);
            return s.chosen = home;
        } else {
            outcome = home.state() == BackendState.DRAINING ? AffinityOutcome.BROKEN_DRAINING
                    : AffinityOutcome.BROKEN_DOWN;
        }
        ctx.affinity(outcome, home);
        s.broken = true;
        s.repin = repinOnFailure;
        if (failWhenUnavailable) {
            return s.chosen = null;
        }
        return s.chosen = Rendezvous.successor(ctx, s.clientKey);
    }

    /**
     * Bounded load for a first assignment: the fallback's pick unless it is over factor × its share of the load, then
     * the least loaded backend. Heavy users pinned to one backend keep it busy; new clients are not pinned there too.
     */
    private Backend withRoom(RequestContext ctx, Backend pick) {
        Backend[] candidates = ctx.candidates();
        long weight = 0;
        for (Backend b : candidates) {
            weight += b.weight();
        }
        if (load.hasRoom(pick, load.totalInFlight(candidates), Math.max(1, weight))) {
            return pick;
        }
        Backend least = BoundedLoad.leastLoaded(ctx, candidates);
        return least == null ? pick : least;
    }

    @Override
    public void beforeForward(RequestContext ctx, HttpRequest request) {
        if (ctx.attachment() instanceof AffinityState s && s.strip) {
            s.carrier.beforeForward(request, s);
        }
    }

    @Override
    public void beforeRespond(RequestContext ctx, HttpResponse response) {
        if (ctx.attachment() instanceof AffinityState s && s.chosen != null) {
            s.carrier.beforeRespond(response, s);
        }
    }

    /** Sessions in the learn table (0 in other modes), for metrics. */
    public int learnedSessions() {
        return carrier instanceof LearnedRoute l ? l.sessions().size() : 0;
    }

    /** Sessions the learn table dropped because it was full (0 in other modes), for metrics. */
    public long learnedEvictions() {
        return carrier instanceof LearnedRoute l ? l.sessions().evictions() : 0;
    }

    /** Sessions the learn table forgot after {@code ttl} of idleness (0 in other modes), for metrics. */
    public long learnedExpirations() {
        return carrier instanceof LearnedRoute l ? l.sessions().expirations() : 0;
    }

    /** The affinity mode, e.g. for the admin API. */
    public AffinityConfig.Mode mode() {
        return mode;
    }

    private AffinityState stateOf(RequestContext ctx) {
        if (ctx.attachment() instanceof AffinityState s) {
            return s;
        }
        AffinityState s = new AffinityState(carrier, clock.millis() / 1000);
        if (ctx.request() != null) {
            carrier.read(ctx.request(), s);
        }
        ctx.attachment(s);
        return s;
    }

    private BackendIndex indexFor(RequestContext ctx) {
        BackendIndex i = index;
        if (i == null || i.snapshot != ctx.snapshot()) {
            i = new BackendIndex(ctx.snapshot());
            index = i;
        }
        return i;
    }
}
