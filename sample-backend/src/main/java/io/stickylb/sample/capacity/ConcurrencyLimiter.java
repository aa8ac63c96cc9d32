package io.stickylb.sample.capacity;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * At most {@code max} requests in service at once; the rest wait in FIFO order for a slot, as in a thread pool with
 * a queue. Nobody blocks: a waiter's callback runs on its own executor when a slot frees up.
 */
public final class ConcurrencyLimiter {

    private final int max;
    private final ArrayDeque<Permit> waiting = new ArrayDeque<>();
    private int inService;

    /** {@code max <= 0} means unlimited. */
    public ConcurrencyLimiter(int max) {
        this.max = max;
    }

    /**
     * Asks for a slot; {@code onGranted} runs on {@code executor} once it has one (at once if one is free). Release
     * the permit when the request is done, or to give up waiting.
     */
    public Permit acquire(Executor executor, Runnable onGranted) {
        Permit permit = new Permit(Objects.requireNonNull(executor), Objects.requireNonNull(onGranted));
        boolean granted;
        synchronized (this) {
            granted = max <= 0 || inService < max;
            if (granted) {
                inService++;
                permit.state = State.GRANTED;
            } else {
                waiting.add(permit);
            }
        }
        if (granted) {
            // Always through the executor, so the caller has its permit in hand before the callback runs.
            permit.dispatch();
        }
        return permit;
    }

    /** Requests holding a slot now. */
    public synchronized int inService() {
        return inService;
    }

    /** Requests waiting for a slot now. */
    public synchronized int queued() {
        return waiting.size();
    }

    private void release(Permit permit) {
        Permit next;
        synchronized (this) {
            if (permit.state == State.WAITING) {
                waiting.remove(permit);
                permit.state = State.RELEASED;
                return;
            }
            if (permit.state != State.GRANTED) {
                return;
            }
            permit.state = State.RELEASED;
            next = waiting.poll();
            if (next == null) {
                inService--;
                return;
            }
            // The slot passes straight to the next waiter, so a newcomer cannot overtake the queue.
            next.state = State.GRANTED;
        }
        next.dispatch();
    }

    private enum State { WAITING, GRANTED, RELEASED }

    /** A place in the limiter: waiting, holding a slot, or released. */
    public final class Permit {

        private final Executor executor;
        private final Runnable onGranted;
        private State state = State.WAITING;

        private Permit(Executor executor, Runnable onGranted) {
            this.executor = executor;
            this.onGranted = onGranted;
        }

        /** Frees the slot (or leaves the queue); idempotent. */
        public void release() {
            ConcurrencyLimiter.this.release(this);
        }

        private void dispatch() {
            try {
                executor.execute(onGranted);
            } catch (RejectedExecutionException e) {
                // The waiter's event loop is shutting down; hand the slot on instead of losing it.
                release();
            }
        }
    }
}
