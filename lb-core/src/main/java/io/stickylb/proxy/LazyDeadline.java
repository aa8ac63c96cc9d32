package io.stickylb.proxy;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A deadline that can be set and cleared on every request without touching the event loop's timer queue: one task
 * stays scheduled and, when it fires early, reschedules itself for the time left (the trick IdleStateHandler uses).
 * Setting or clearing costs a clock read; the queue sees at most one task per timeout period. Event-loop confined.
 */
final class LazyDeadline {

    private final EventExecutor executor;
    private final Runnable onExpiry;
    private long deadline;
    private ScheduledFuture<?> task;
    /** When {@link #task} runs ({@link System#nanoTime}); valid while it is scheduled. */
    private long taskAt;

    LazyDeadline(EventExecutor executor, Runnable onExpiry) {
        this.executor = executor;
        this.onExpiry = onExpiry;
    }

    /** Expires {@code timeoutMillis} from now unless cleared or set again first. */
    void set(long timeoutMillis) {
        set(timeoutMillis, System.nanoTime());
    }

    /** As {@link #set(long)}, with a {@link System#nanoTime} reading the caller just took (one clock read less). */
    void set(long timeoutMillis, long nowNanos) {
        long nanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        deadline = nowNanos + nanos;
        if (deadline == 0) {
            deadline = 1; // 0 means "not set"
        }
        if (task == null) {
            schedule(nanos, nowNanos);
        } else if (deadline - taskAt < 0) {
            // Sooner than the task already queued (a pool with a shorter timeout than the last one on this
            // connection, or a reload that shortened it): that task would fire late, so it is replaced. Rare, and
            // the only case that touches the timer queue again.
            task.cancel(false);
            schedule(nanos, nowNanos);
        }
    }

    private void schedule(long nanos, long nowNanos) {
        taskAt = nowNanos + nanos;
        task = executor.schedule(this::check, nanos, TimeUnit.NANOSECONDS);
    }

    boolean isSet() {
        return deadline != 0;
    }

    void clear() {
        deadline = 0;
    }

    /** Clears and drops the scheduled task (the connection is closing). */
    void cancel() {
        deadline = 0;
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }

    private void check() {
        task = null;
        if (deadline == 0) {
            return;
        }
        long now = System.nanoTime();
        long left = deadline - now;
        if (left > 0) {
            schedule(left, now);
            return;
        }
        deadline = 0;
        onExpiry.run();
    }
}
