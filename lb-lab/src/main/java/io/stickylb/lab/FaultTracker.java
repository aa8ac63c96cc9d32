package io.stickylb.lab;

import java.util.BitSet;

/**
 * What one fault did to the clients: at the moment it fires, a copy of where every client was and which clients held
 * a live session on the affected backend; afterwards, each client's first request sent after the fault tells whether
 * it moved and whether a pinned session was lost. Confined to the load driver's event loop.
 */
final class FaultTracker {

    final FaultEvent event;
    final long firedNanos;
    private final byte[] backendAtFault;
    private final BitSet pinned;
    private final BitSet seen;
    final int pinnedCount;
    long returned;
    long moved;
    long pinnedReturned;
    long pinnedLost;
    /** Sessions lost from this fault until the next one (counted by the recorder). */
    long lostAfter;
    volatile long downAfterNanos = -1;

    FaultTracker(FaultEvent event, long firedNanos, ClientPopulation clients, String sessionCookie) {
        this.event = event;
        this.firedNanos = firedNanos;
        this.backendAtFault = clients.lastBackends();
        this.pinned = new BitSet(clients.size());
        this.seen = new BitSet(clients.size());
        int count = 0;
        if (event.backend() >= 0) {
            for (int c = 0; c < clients.size(); c++) {
                if (clients.sessionBackend(c) == event.backend() && clients.hasCookie(c, sessionCookie)) {
                    pinned.set(c);
                    count++;
                }
            }
        }
        this.pinnedCount = count;
    }

    /** Counts an answer to a request of client {@code c} that was sent at {@code sentNanos}. */
    void answered(int c, long sentNanos, Reply reply) {
        if (sentNanos < firedNanos || !reply.ok()) {
            return;
        }
        if (seen.get(c)) {
            return;
        }
        seen.set(c);
        int before = backendAtFault[c] - 1;
        if (before >= 0) {
            returned++;
            if (before != reply.backend()) {
                moved++;
            }
        }
        if (pinned.get(c)) {
            pinnedReturned++;
            if (reply.sessionLost()) {
                pinnedLost++;
            }
        }
    }

    /** Whether this fault destroys or strands the sessions held by its backend (with an in-memory store). */
    boolean losesSessions() {
        return switch (event.action()) {
            case KILL, STOP, UNHEALTHY, REMOVE -> true;
            default -> false;
        };
    }
}
