package io.stickylb.config;

import java.util.ArrayList;
import java.util.List;

/**
 * What a valid pool config still deserves a warning for: settings that work but not as an operator may think. The
 * running proxy logs these once per pool; {@code lb validate} prints them, so they are seen before deployment.
 */
public final class PoolAdvice {

    private PoolAdvice() {
    }

    /** The warnings for one pool, each a sentence naming the pool; empty when there is nothing to say. */
    public static List<String> of(PoolConfig pool) {
        List<String> advice = new ArrayList<>();
        if (!StrategyNames.COOKIE.equals(pool.strategy())) {
            return advice;
        }
        AffinityConfig a = pool.affinity();
        boolean signed = a.mode() == AffinityConfig.Mode.INSERT || a.mode() == AffinityConfig.Mode.PREFIX;
        if (signed && a.secrets().isEmpty()) {
            advice.add("pool '" + pool.name() + "': no affinity secret configured; using one derived from the pool "
                    + "name, which anyone can compute. Set affinity.secret (the same on every instance) so cookies "
                    + "cannot be forged");
        }
        if (a.mode() == AffinityConfig.Mode.PREFIX && !a.maxIdle().isZero()) {
            advice.add("pool '" + pool.name() + "': affinity max-idle is ignored in prefix mode (the token is only "
                    + "renewed when the application sets its cookie); the application's session timeout applies");
        }
        return advice;
    }
}
