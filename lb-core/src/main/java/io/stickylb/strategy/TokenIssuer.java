package io.stickylb.strategy;

import io.stickylb.config.AffinityConfig;
import io.stickylb.routing.AffinityOutcome;
import java.util.function.LongSupplier;

/**
 * The token lifecycle shared by the insert and prefix modes: verification with {@code max-life} and {@code max-idle}
 * checks, fresh tokens with a random nonce, and renewal. A token is renewed (its refresh time set to now) when it
 * was signed by an older key, or when {@code max-idle} is on and its last refresh is a quarter of max-idle old: an
 * active client is thus re-set about four times per max-idle, never on every request, and never expires.
 */
final class TokenIssuer {

    private final TokenCodec codec;
    private final LongSupplier nonces;
    private final long maxLife;
    private final long maxIdle;
    private final long refreshAfter;

    /** {@code enforceIdle} false ignores max-idle (prefix mode, which cannot refresh on its own). */
    TokenIssuer(TokenCodec codec, AffinityConfig config, boolean enforceIdle, LongSupplier nonces) {
        this.codec = codec;
        this.nonces = nonces;
        this.maxLife = config.maxLife().toSeconds();
        this.maxIdle = enforceIdle ? config.maxIdle().toSeconds() : 0;
        this.refreshAfter = Math.max(1, maxIdle / 4);
    }

    /** Verifies the token in {@code s[from, to)} and pins the state to it, or marks it FORGED or EXPIRED. */
    void read(CharSequence s, int from, int to, AffinityState state) {
        AffinityToken t = codec.decode(s, from, to);
        if (t == null) {
            state.unpinned = AffinityOutcome.FORGED;
            return;
        }
        long now = state.now;
        if (maxLife > 0 && now - t.issued() > maxLife || maxIdle > 0 && now - t.refreshed() > maxIdle) {
            state.unpinned = AffinityOutcome.EXPIRED;
            return;
        }
        state.token = t;
        state.pin(t.backendId(), t.nonce());
    }

    /**
     * The token the response must carry, or null when the client's token is still right: a fresh one for an
     * unpinned client, the same client re-pinned to the serving backend after a failure, or a renewal. With
     * {@code always} a token is returned in any case (prefix mode: the application is setting its cookie anyway).
     */
    AffinityToken next(AffinityState s, boolean always) {
        AffinityToken t = s.token;
        if (t == null) {
            return new AffinityToken(s.chosen.id(), nonces.getAsLong(), s.now, s.now, 0);
        }
        if (s.repin) {
            return t.pinnedTo(s.chosen.id(), s.now);
        }
        if (always || t.keyIndex() != 0 || maxIdle > 0 && s.now - t.refreshed() >= refreshAfter) {
            return t.pinnedTo(t.backendId(), s.now);
        }
        return null;
    }

    String encode(AffinityToken t) {
        return codec.encode(t);
    }
}
