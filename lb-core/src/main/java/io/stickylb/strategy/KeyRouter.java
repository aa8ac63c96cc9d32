package io.stickylb.strategy;

import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendState;
import io.stickylb.backend.PoolSnapshot;
import io.stickylb.routing.AffinityOutcome;
import io.stickylb.routing.RequestContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Routes a key hash for the hashing strategies: to the key's home backend while it may serve, else to its
 * deterministic successor (weighted rendezvous over the backends that may serve), so a dead backend's clients spread
 * over the survivors and everybody else stays put. Records the affinity outcome; tables are built once per snapshot
 * version and read without locks or allocation.
 */
final class KeyRouter {

    /** Bounds the walk past full or excluded backends before falling back to the least loaded one. */
    private static final int WALK_MIN = 64;
    private static final int WALK_PER_BACKEND = 8;

    private final String kind;
    private final BoundedLoad load;
    private final boolean failWhenUnavailable;
    private volatile Tables tables;

    KeyRouter(String kind, double balanceFactor, boolean failWhenUnavailable) {
        KeyTable.create(kind, new Backend[0], new Backend[0]); // rejects an unknown hash now, not on first request
        this.kind = kind;
        this.load = new BoundedLoad(balanceFactor);
        this.failWhenUnavailable = failWhenUnavailable;
    }

    /** The backend for a key, or null when no backend may serve (or all were excluded by retries). */
    Backend choose(RequestContext ctx, long keyHash) {
        Tables t = tablesFor(ctx.snapshot());
        long total = load.totalInFlight(t.candidates);
        Backend home = t.home.lookup(keyHash);
        if (home == null) {
            return null;
        }
        // Maglev and the ring mostly agree between the two tables; when they do not, the home still wins if it may
        // serve, because affinity is the point.
        boolean available = t.home == t.available || home == t.available.lookup(keyHash)
                || contains(t.candidates, home);
        boolean excluded = ctx.excluded(home);
        if (available && !excluded && load.hasRoom(home, total, t.availableWeight)) {
            ctx.affinity(AffinityOutcome.HIT);
            return home;
        }
        if (excluded || !available) {
            ctx.affinity(excluded ? AffinityOutcome.BROKEN_CONNECT_FAILED : broken(home.state()), home);
            if (failWhenUnavailable) {
                return null; // on-unavailable: fail -> 503
            }
            // The successor depends on the key and on who may serve, not on why the home cannot: the retry after a
            // failed connect and every request once the home is marked down land on the same backend, so the
            // client's session moves once, not twice (a walk on from the home's slot would differ between the two).
            Backend next = Rendezvous.successor(ctx, keyHash);
            if (next != null && load.hasRoom(next, total, t.availableWeight)) {
                return next;
            }
        } else {
            // No outcome says "home overloaded"; NEW is the closest: the client gets a fresh, load-driven assignment.
            ctx.affinity(AffinityOutcome.NEW);
        }
        return elsewhere(ctx, t, keyHash, total);
    }

    private Backend elsewhere(RequestContext ctx, Tables t, long keyHash, long total) {
        KeyTable table = t.available;
        if (table.size() == 0) {
            return null;
        }
        int start = table.position(keyHash);
        int limit = Math.min(table.size(), WALK_MIN + WALK_PER_BACKEND * t.candidates.length);
        for (int step = 0; step < limit; step++) {
            Backend b = table.at(start + step);
            if (!ctx.excluded(b) && load.hasRoom(b, total, t.availableWeight)) {
                return b;
            }
        }
        return BoundedLoad.leastLoaded(ctx, t.candidates);
    }

    private static AffinityOutcome broken(BackendState state) {
        return state == BackendState.DRAINING ? AffinityOutcome.BROKEN_DRAINING : AffinityOutcome.BROKEN_DOWN;
    }

    private static boolean contains(Backend[] backends, Backend b) {
        for (Backend x : backends) {
            if (x == b) {
                return true;
            }
        }
        return false;
    }

    private Tables tablesFor(PoolSnapshot snapshot) {
        Tables t = tables;
        // A request holding an older snapshot uses the newer tables rather than rebuilding stale ones.
        if (t == null || t.version < snapshot.version()) {
            t = build(snapshot);
            tables = t;
        }
        return t;
    }

    private Tables build(PoolSnapshot snapshot) {
        List<Backend> serving = new ArrayList<>();
        for (Backend b : snapshot.all()) {
            if (b.state() != BackendState.MAINTENANCE) {
                serving.add(b);
            }
        }
        Backend[] candidates = snapshot.available();
        long weight = 0;
        boolean same = serving.size() == candidates.length;
        for (Backend b : candidates) {
            weight += b.weight();
            same &= serving.contains(b);
        }
        KeyTable home = KeyTable.create(kind, serving.toArray(new Backend[0]), snapshot.all());
        // With every serving backend available (the usual case) one table does both jobs: half the build time, and
        // no second lookup per request.
        KeyTable available = same ? home : KeyTable.create(kind, candidates, snapshot.all());
        return new Tables(snapshot.version(), candidates, home, available, Math.max(1, weight));
    }

    /** Home table over every backend not in maintenance; available table over those taking new clients. */
    private record Tables(long version, Backend[] candidates, KeyTable home, KeyTable available,
            long availableWeight) {
    }
}
