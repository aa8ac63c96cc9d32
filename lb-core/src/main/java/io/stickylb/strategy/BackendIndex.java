package io.stickylb.strategy;

import io.stickylb.backend.Backend;
import io.stickylb.backend.PoolSnapshot;
import java.util.HashMap;
import java.util.Map;

/**
 * One snapshot's backends by id and by route, each with whether it may serve its sticky clients (UP or DRAINING,
 * or available in panic mode). Built once per snapshot and cached by {@link CookieAffinity}, so resolving a cookie
 * is one hash lookup.
 */
final class BackendIndex {

    /** A backend of the snapshot and whether its pinned clients may keep using it. */
    record Member(Backend backend, boolean sticky) {
    }

    final PoolSnapshot snapshot;
    private final Map<String, Member> byId = new HashMap<>();
    private final Map<String, Member> byRoute = new HashMap<>();

    BackendIndex(PoolSnapshot snapshot) {
        this.snapshot = snapshot;
        for (Backend b : snapshot.all()) {
            Member m = new Member(b, contains(snapshot.sticky(), b) || contains(snapshot.available(), b));
            byId.put(b.id(), m);
            // Two backends claiming one route is a config mistake; the first in config order keeps it.
            byRoute.putIfAbsent(b.route(), m);
        }
    }

    /** The member a pinned request names: by route in route-suffix mode, else by id; null when unknown. */
    Member lookup(String home, boolean isRoute) {
        return isRoute ? byRoute.get(home) : byId.get(home);
    }

    private static boolean contains(Backend[] backends, Backend b) {
        for (Backend x : backends) {
            if (x == b) {
                return true;
            }
        }
        return false;
    }
}
