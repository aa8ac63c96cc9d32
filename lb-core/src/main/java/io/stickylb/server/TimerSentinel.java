package io.stickylb.server;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A timer on every event loop that never falls due, so no loop's timer queue is ever empty. Busy loops always have
 * timers (deadlines, idle timeouts) and their compiled code knows no empty queue: the first time the last timer
 * fired in a lull (the idle timeouts a minute after a burst), the loop's code was thrown away and compiled again
 * when traffic returned, on the loop's own core (docs/benchmarks.md, *Stop 44*). A timer that fires now and then does
 * not help: the queue empties for a moment each time it is taken out to run.
 */
final class TimerSentinel {

    /**
     * Far enough never to fall due, and under {@link Integer#MAX_VALUE} seconds: Netty's epoll loop takes a longer wait
     * for no timer at all, the very state this is here to avoid.
     */
    static final Duration DELAY = Duration.ofDays(3650);
    private static final Runnable NOTHING = () -> { };

    private final List<ScheduledFuture<?>> timers = new ArrayList<>();

    private TimerSentinel() {
    }

    /** Places one on every loop of {@code loops}. */
    static TimerSentinel place(EventLoopGroup loops) {
        TimerSentinel s = new TimerSentinel();
        for (EventExecutor loop : loops) {
            s.timers.add(loop.schedule(NOTHING, DELAY.toNanos(), TimeUnit.NANOSECONDS));
        }
        return s;
    }

    /** The timers, one per loop (tests). */
    List<ScheduledFuture<?>> timers() {
        return List.copyOf(timers);
    }

    void remove() {
        timers.forEach(t -> t.cancel(false));
    }
}
