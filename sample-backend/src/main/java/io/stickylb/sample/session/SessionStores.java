package io.stickylb.sample.session;

import java.time.Duration;
import java.util.Locale;

/** Opens the store a {@code --session-store} value names: {@code memory} or {@code redis://HOST:PORT}. */
public final class SessionStores {

    /** The default store specification. */
    public static final String MEMORY = "memory";

    private SessionStores() {
    }

    /** Throws {@link IllegalArgumentException} for an unknown spec, {@link SessionStoreException} when unreachable. */
    public static SessionStore open(String spec, String backendId, Duration ttl) {
        validate(spec);
        String lower = spec.toLowerCase(Locale.ROOT);
        if (lower.equals(MEMORY)) {
            return new InMemorySessionStore(backendId, ttl);
        }
        return RedisSessionStore.connect(spec, backendId, ttl);
    }

    /** Checks the form of a spec without opening anything. */
    public static void validate(String spec) {
        String lower = spec == null ? "" : spec.toLowerCase(Locale.ROOT);
        if (!lower.equals(MEMORY) && !lower.startsWith("redis://") && !lower.startsWith("rediss://")) {
            throw new IllegalArgumentException("session store '" + spec + "' (expected: memory or redis://HOST:PORT)");
        }
    }
}
