package io.stickylb.warmup;

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
 * as a load generator that stops with answers on their way does, in either order. Reset first: the proxy closes the
 * client's channel and then, in the same pass over its events, reads the answer meant for it and writes it to the
 * closed channel. Answer first: the proxy reads the answer and writes it to a socket the reset has already broken, and
 * the write fails. The responder hands its answer over instead of sending it; the client holds every event loop of the
 * proxy for a moment (at most {@value #HOLD_MAX_MILLIS} ms), resets its connection and sends the answer on the
 * responder's socket in the order asked for, and lets the loops go, so both arrive while no loop is looking. Events
 * that come one batch at a time never show the compiler either order, and the first benchmark to stop then threw away
 * the response path's compiled code (docs/benchmarks.md, *Stop 44*, *Stop 46*).
 */
final class ResetRace {

    /** The longest a warm-up's race holds the event loops, which a trickle's race shares with real traffic. */
    static final long HOLD_MAX_MILLIS = 5;
    /** How long either side waits for the other before giving up the race (the answer then goes out as usual). */
    static final long HANDOFF_WAIT_MILLIS = 1_000;
    /** Long enough for loopback to have delivered the reset and the answer before the loops look again. */
    private static final long SETTLE_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    private final ConcurrentMap<String, Handoff> handoffs = new ConcurrentHashMap<>();
    private final long holdMaxMillis;

    ResetRace() {
        this(HOLD_MAX_MILLIS);
    }

    /**
     * With loops held for up to {@code holdMaxMillis}: a test that must see the order it asked for holds them longer,
     * since a client thread delayed past the hold lets the loops read the first packet alone.
     */
    ResetRace(long holdMaxMillis) {
        this.holdMaxMillis = holdMaxMillis;
    }

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
     * hold the answer, holds {@code loops}, resets {@code client} and sends the answer ({@code answerFirst}: the other
     * way round) and lets the loops go. Returns true when every loop was held while both arrived; the client is reset
     * whatever happens.
     */
    synchronized boolean resetAsAnswerArrives(String token, Socket client, List<EventLoop> loops, boolean answerFirst)
            throws IOException {
        Handoff h = handoffs.computeIfAbsent(token, t -> new Handoff());
        if (!await(h.offered, HANDOFF_WAIT_MILLIS) || !h.claim()) {
            Quietly.reset(client);
            handoffs.remove(token, h);
            return false;
        }
        CountDownLatch held = new CountDownLatch(loops.size());
        CountDownLatch release = new CountDownLatch(1);
        Runnable hold = () -> {
            held.countDown();
            await(release, holdMaxMillis);
        };
        for (EventLoop loop : loops) {
            // Scheduled from the loop itself, the hold runs after the loop's next look at its sockets, not in the turn
            // that read the request: the kernel keeps a socket just read on its ready list until that next look, and
            // the client's would then be read first whatever order the reset and the answer came in.
            loop.execute(() -> loop.schedule(hold, 0, TimeUnit.NANOSECONDS));
        }
        boolean allHeld = await(held, holdMaxMillis);
        try {
            if (answerFirst) {
                h.out.write(h.answer);
                Quietly.reset(client);
            } else {
                Quietly.reset(client);
                h.out.write(h.answer);
            }
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
