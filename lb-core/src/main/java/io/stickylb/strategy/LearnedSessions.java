package io.stickylb.strategy;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The {@code learn} mode's table of session id → backend id: bounded to {@code maxEntries} (least recently used
 * first out) and forgetting sessions idle longer than {@code ttl}. Thread-safe for any number of event loops: the
 * table is split into up to 16 segments by key hash, each an access-ordered {@link LinkedHashMap} under its own
 * lock held for a few map operations, so loops rarely meet. Small tables use one segment (exact LRU); large ones
 * evict the least recently used entry of the key's segment, which is among the least recently used overall.
 * Because each segment is ordered by last access, its idle-expired entries form its head and are trimmed on every
 * access at amortised O(1) cost.
 */
final class LearnedSessions {

    private static final int ENTRIES_PER_SEGMENT_MIN = 1024;

    private final Segment[] segments;
    private final long ttlMillis;
    private final LongSupplier clockMillis;
    private final LongAdder evictions = new LongAdder();
    private final LongAdder expirations = new LongAdder();

    /** {@code ttlMillis} of 0 turns idle expiry off. */
    LearnedSessions(int maxEntries, long ttlMillis, LongSupplier clockMillis) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("max-entries: " + maxEntries + " (expected: >= 1)");
        }
        int n = 1;
        while (n < 16 && (long) maxEntries / (n * 2L) >= ENTRIES_PER_SEGMENT_MIN) {
            n *= 2;
        }
        this.segments = new Segment[n];
        // Capacities add up to exactly maxEntries.
        for (int i = 0; i < n; i++) {
            segments[i] = new Segment(maxEntries / n + (i < maxEntries % n ? 1 : 0));
        }
        this.ttlMillis = ttlMillis;
        this.clockMillis = clockMillis;
    }

    /** The backend id learned for this session, or null; a hit counts as a use (LRU and idle time). */
    String get(String sessionId) {
        Segment s = segment(sessionId);
        long now = clockMillis.getAsLong();
        s.lock.lock();
        try {
            s.expire(now);
            Entry e = s.map.get(sessionId);
            if (e == null) {
                return null;
            }
            e.lastUsed = now;
            return e.backendId;
        } finally {
            s.lock.unlock();
        }
    }

    /** Learns (or moves) a session. */
    void put(String sessionId, String backendId) {
        Segment s = segment(sessionId);
        long now = clockMillis.getAsLong();
        s.lock.lock();
        try {
            s.expire(now);
            Entry e = s.map.get(sessionId);
            if (e != null) {
                e.backendId = backendId;
                e.lastUsed = now;
                return;
            }
            s.map.put(sessionId, new Entry(backendId, now));
            if (s.map.size() > s.capacity) {
                Iterator<Entry> eldest = s.map.values().iterator();
                eldest.next();
                eldest.remove();
                evictions.increment();
            }
        } finally {
            s.lock.unlock();
        }
    }

    /** Forgets a session (the application deleted its cookie). */
    void remove(String sessionId) {
        Segment s = segment(sessionId);
        s.lock.lock();
        try {
            s.map.remove(sessionId);
        } finally {
            s.lock.unlock();
        }
    }

    /** Sessions currently known (idle-expired ones count until an access in their segment trims them). */
    int size() {
        int n = 0;
        for (Segment s : segments) {
            s.lock.lock();
            try {
                n += s.map.size();
            } finally {
                s.lock.unlock();
            }
        }
        return n;
    }

    /** Sessions dropped because the table was full. */
    long evictions() {
        return evictions.sum();
    }

    /** Sessions dropped because they were idle longer than the ttl. */
    long expirations() {
        return expirations.sum();
    }

    private Segment segment(String key) {
        int h = key.hashCode();
        h ^= h >>> 16;
        return segments[h & (segments.length - 1)];
    }

    private static final class Entry {
        String backendId;
        long lastUsed;

        Entry(String backendId, long lastUsed) {
            this.backendId = backendId;
            this.lastUsed = lastUsed;
        }
    }

    private final class Segment {
        final ReentrantLock lock = new ReentrantLock();
        final LinkedHashMap<String, Entry> map = new LinkedHashMap<>(16, 0.75f, true);
        final int capacity;

        Segment(int capacity) {
            this.capacity = capacity;
        }

        /** Drops idle-expired entries from the head (the least recently used); the caller holds the lock. */
        void expire(long now) {
            if (ttlMillis <= 0) {
                return;
            }
            Iterator<Map.Entry<String, Entry>> it = map.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<String, Entry> e = it.next();
                if (now - e.getValue().lastUsed < ttlMillis) {
                    return;
                }
                it.remove();
                expirations.increment();
            }
        }
    }
}
