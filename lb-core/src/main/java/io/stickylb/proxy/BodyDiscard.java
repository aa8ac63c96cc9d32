package io.stickylb.proxy;

import io.netty.util.concurrent.EventExecutor;

/**
 * The bounds on reading and dropping what a client still sends after its answer went out: the rest of a request
 * body the answer came before, then, when the connection must end, whatever arrives until the client closes (nginx's
 * discarded body and lingering close). One budget of {@link #TOTAL_MILLIS} counts from the answer, and every quiet
 * spell of the gap ends it, so a client trickling a huge body cannot hold the connection. Event-loop confined.
 */
final class BodyDiscard {

    /** Time allowed for the whole discard and linger, as nginx's {@code lingering_time}. */
    static final long TOTAL_MILLIS = 30_000;
    /** The longest quiet spell, as nginx's {@code lingering_timeout}; a shorter client idle timeout wins. */
    static final long GAP_MILLIS = 5_000;

    private final LazyDeadline gap;
    private final LazyDeadline total;
    private final long gapMillis;
    private final long maxBytes;
    private long totalEndNanos;
    private long bytes;
    private boolean lingering;

    /**
     * {@code maxBytes}: the most body bytes to drop (0 = no limit); {@code onGap} runs after a quiet gap, {@code
     * onTotal} when the budget is spent.
     */
    BodyDiscard(EventExecutor executor, long idleTimeoutMillis, long maxBytes, Runnable onGap, Runnable onTotal) {
        this.gap = new LazyDeadline(executor, onGap);
        this.total = new LazyDeadline(executor, onTotal);
        this.gapMillis = Math.min(GAP_MILLIS, idleTimeoutMillis);
        this.maxBytes = maxBytes;
        long now = System.nanoTime();
        this.totalEndNanos = now + TOTAL_MILLIS * 1_000_000L;
        total.set(TOTAL_MILLIS, now);
    }

    /** The socket is asked for more: the client has the gap to send its next byte. */
    void awaitBytes() {
        gap.set(gapMillis);
    }

    /** Counts {@code n} dropped body bytes; false once they are more than the limit. */
    boolean dropped(int n) {
        bytes += n;
        return maxBytes <= 0 || bytes <= maxBytes;
    }

    /**
     * The connection is ending: from now on only the client's close, a quiet gap or the budget ends the linger, and
     * the budget is stretched to one more gap so a client that used it up still has time to read its answer.
     */
    void linger() {
        lingering = true;
        long now = System.nanoTime();
        long atLeast = now + gapMillis * 1_000_000L;
        if (totalEndNanos - atLeast < 0) {
            totalEndNanos = atLeast;
            total.set(gapMillis, now);
        }
    }

    boolean lingering() {
        return lingering;
    }

    /** Drops both timers (the body ended, or the connection closed). */
    void cancel() {
        gap.cancel();
        total.cancel();
    }
}
