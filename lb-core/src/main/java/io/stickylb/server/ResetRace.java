package io.stickylb.server;

import io.netty.channel.EventLoop;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Puts a {@link JitWarmup} client's reset and the answer to its request before the proxy in one batch of ready events,
 * reset first, as a load generator that stops with answers on their way does: the proxy closes the client's channel
 * and then, in the same pass over its events, reads the answer meant for it and writes it to the closed channel. The
 * responder hands its answer over instead of sending it; the client holds every event loop of the proxy for a moment
 * (at most {@value #HOLD_MAX_MILLIS} ms), resets its connection, sends the answer on the responder's socket and lets
 * the loops go, so both arrive while no loop is looking. Events that come one batch at a time never show the compiler
 * that order, and the first benchmark to stop then threw away the response path's compiled code
 * (docs/benchmarks.md, *Stop 44*).
 */
final class ResetRace {

    /** The longest a race holds the event loops: a warm-up, before real traffic, may pause them this long. */
    static final long HOLD_MAX_MILLIS = 5;
    /** How long either side waits for the other before giving up the race (the answer then goes out as usual). */
    static final long HANDOFF_WAIT_MILLIS = 1_000;
    /** Long enough for loopback to have delivered the reset and the answer before the loops look again. */
    private static final long SETTLE_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    private final ConcurrentMap<String, Handoff> handoffs = new ConcurrentHashMap<>();

    /**
     * The responder's side: {@code answer} to the request {@code token} names goes out on {@code out} when the racing
     * client sends it; returns once it has, or after sending it itself when no client took it in time.
     */
    void answerLater(String token, OutputStream out, byte[] answer) throws IOException {
        Handoff h = handoffs.computeIfAbsent(token, t -> new Handoff());
        h.out = out;
        h.answer = answer;
        h.offered.countDown();
        try {
            if (!await(h.sent, HANDOFF_WAIT_MILLIS) && h.claim()) {
                out.write(answer);
            }
        } finally {
            handoffs.remove(token, h);
        }
    }

    /**
     * The client's side, once its request {@code token} names is sent on {@code client}: waits for the responder to
     * hold the answer, holds {@code loops}, resets {@code client}, sends the answer and lets the loops go. Returns
     * true when every loop was held while both arrived; the client is reset whatever happens.
     */
    synchronized boolean resetAsAnswerArrives(String token, Socket client, List<EventLoop> loops) throws IOException {
        Handoff h = handoffs.computeIfAbsent(token, t -> new Handoff());
        if (!await(h.offered, HANDOFF_WAIT_MILLIS) || !h.claim()) {
            JitWarmup.resetQuietly(client);
            handoffs.remove(token, h);
            return false;
        }
        CountDownLatch held = new CountDownLatch(loops.size());
        CountDownLatch release = new CountDownLatch(1);
        for (EventLoop loop : loops) {
            loop.execute(() -> {
                held.countDown();
                await(release, HOLD_MAX_MILLIS);
            });
        }
        boolean allHeld = await(held, HOLD_MAX_MILLIS);
        try {
            JitWarmup.resetQuietly(client);
            h.out.write(h.answer);
            LockSupport.parkNanos(SETTLE_NANOS);
        } finally {
            release.countDown();
            h.sent.countDown();
        }
        return allHeld;
    }

    private static boolean await(CountDownLatch latch, long millis) {
        try {
            return latch.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** One answer on its way from the responder's thread to the racing client's. */
    private static final class Handoff {
        final CountDownLatch offered = new CountDownLatch(1);
        final CountDownLatch sent = new CountDownLatch(1);
        private final AtomicBoolean claimed = new AtomicBoolean();
        volatile OutputStream out;
        volatile byte[] answer;

        /** True for the one side that sends the answer. */
        boolean claim() {
            return claimed.compareAndSet(false, true);
        }
    }
}
