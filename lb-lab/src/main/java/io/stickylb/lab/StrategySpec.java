package io.stickylb.lab;

import io.stickylb.config.PoolConfig;

/**
 * One strategy run of a scenario: its display name, the pool settings stickylb runs with (validated by lb-core's
 * config loader; the backends are filled in at run time) and where the backends keep sessions for this run.
 * {@code unavailable} says why this build of stickylb cannot run the strategy (null when it can); such entries are
 * skipped with that message, so a scenario written for a newer stickylb still runs the rest.
 */
public record StrategySpec(String name, PoolConfig pool, SessionStore sessionStore, String unavailable) {

    /** The strategy as shown in results: {@code ip-hash/maglev}, {@code cookie (bf 1.25)}, {@code round-robin}. */
    public String describe() {
        String s = pool.strategy();
        if (s.equals("ip-hash") || s.equals("header-hash")) {
            s += "/" + pool.hash();
        }
        if (s.equals("cookie") && !pool.affinity().mode().equals(io.stickylb.config.AffinityConfig.Mode.INSERT)) {
            s += "/" + pool.affinity().mode().yamlName();
        }
        if (pool.balanceFactor() > 0) {
            s += " bf=" + pool.balanceFactor();
        }
        return s;
    }
}
