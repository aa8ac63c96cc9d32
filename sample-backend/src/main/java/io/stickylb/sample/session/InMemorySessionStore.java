package io.stickylb.sample.session;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Sessions in a {@link ConcurrentHashMap} of this process, as a plain application server keeps them: they expire
 * after the time to live without requests and are lost when the process dies.
 */
public final class InMemorySessionStore implements SessionStore {

    private static final Duration MAX_SWEEP_INTERVAL = Duration.ofMinutes(1);

    private final ConcurrentMap<String, Entry> sessions = new ConcurrentHashMap<>();
    private final Duration ttl;
    private final String backendId;
    private final Clock clock;
    private final long sweepIntervalMillis;
    private volatile long lastSweepMillis;

    public InMemorySessionStore(String backendId, Duration ttl) {
        this(backendId, ttl, Clock.systemUTC());
    }

    /** With a clock of the caller's choosing, so tests can let sessions expire without waiting. */
    public InMemorySessionStore(String backendId, Duration ttl, Clock clock) {
        this.backendId = Objects.requireNonNull(backendId, "backendId");
        this.ttl = requirePositive(ttl);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sweepIntervalMillis = Math.max(1, Math.min(ttl.toMillis(), MAX_SWEEP_INTERVAL.toMillis()));
        this.lastSweepMillis = clock.millis();
    }

    @Override
    public String kind() {
        return "memory";
    }

    @Override
    public CompletionStage<Optional<Session>> find(String id) {
        long now = clock.millis();
        Entry e = sessions.get(id);
        if (e == null || e.expired(now, ttl)) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return CompletableFuture.completedFuture(Optional.of(e.toSession(id)));
    }

    @Override
    public CompletionStage<Optional<Session>> touch(String id) {
        long now = clock.millis();
        // computeIfPresent makes check-expiry-and-count one atomic step even with several event loops.
        Entry e = sessions.computeIfPresent(id, (k, old) -> old.expired(now, ttl) ? null : old.touched(now));
        return CompletableFuture.completedFuture(e == null ? Optional.empty() : Optional.of(e.toSession(id)));
    }

    @Override
    public CompletionStage<Session> create() {
        long now = clock.millis();
        sweepIfDue(now);
        Entry fresh = new Entry(1, now, now, backendId);
        String id;
        do {
            id = SessionIds.next();
        } while (sessions.putIfAbsent(id, fresh) != null);
        return CompletableFuture.completedFuture(fresh.toSession(id));
    }

    @Override
    public long activeSessions() {
        sweep(clock.millis());
        return sessions.size();
    }

    @Override
    public void close() {
        sessions.clear();
    }

    // Amortised expiry on creation keeps the store free of threads of its own.
    private void sweepIfDue(long now) {
        if (now - lastSweepMillis >= sweepIntervalMillis) {
            lastSweepMillis = now;
            sweep(now);
        }
    }

    private void sweep(long now) {
        sessions.values().removeIf(e -> e.expired(now, ttl));
    }

    private static Duration requirePositive(Duration ttl) {
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("session ttl must be positive: " + ttl);
        }
        return ttl;
    }

    private record Entry(long requests, long createdMillis, long lastAccessMillis, String createdBy) {

        boolean expired(long now, Duration ttl) {
            return now - lastAccessMillis >= ttl.toMillis();
        }

        Entry touched(long now) {
            return new Entry(requests + 1, createdMillis, now, createdBy);
        }

        Session toSession(String id) {
            return new Session(id, requests, Instant.ofEpochMilli(createdMillis), createdBy);
        }
    }
}
