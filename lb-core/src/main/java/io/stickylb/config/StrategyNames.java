package io.stickylb.config;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The strategy names a pool may use, kept in one place so the config loader and the strategy factory agree. */
public final class StrategyNames {

    public static final String ROUND_ROBIN = "round-robin";
    public static final String LEAST_CONNECTIONS = "least-connections";
    public static final String IP_HASH = "ip-hash";
    public static final String HEADER_HASH = "header-hash";
    public static final String COOKIE = "cookie";

    /** Every strategy {@code strategy:} accepts, in the order error messages list them. */
    public static final Set<String> STRATEGIES = ordered(ROUND_ROBIN, LEAST_CONNECTIONS, IP_HASH, HEADER_HASH, COOKIE);

    /** Strategies usable as {@code fallback:}: those that need nothing from the request. */
    public static final Set<String> FALLBACK_STRATEGIES = ordered(ROUND_ROBIN, LEAST_CONNECTIONS);

    /** Consistent-hash table kinds accepted by {@code hash:}. */
    public static final Set<String> HASHES = ordered("maglev", "ring", "modulo");

    private StrategyNames() {
    }

    // Set.of iterates in an unspecified order; error messages should list the names the same way every time.
    private static Set<String> ordered(String... names) {
        return Collections.unmodifiableSet(new LinkedHashSet<>(List.of(names)));
    }
}
