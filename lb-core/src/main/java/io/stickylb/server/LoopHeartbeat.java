package io.stickylb.server;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Keeps a timer on every event loop, so no loop's timer queue is ever empty. Busy loops always have timers (deadlines,
 * idle timeouts), and their compiled code knows no empty queue: the first time the last timer fired in a lull (the
 * idle timeouts a minute after a burst), that code was thrown away and compiled again as traffic returned, on the
 * loop's own core (docs/benchmarks.md, *Stop 44*). A wake-up a second costs an idle loop nothing worth counting.
 */
final class LoopHeartbeat {

    static final long EVERY_MILLIS = 1_000;

    private final List<ScheduledFuture<?>> timers = new ArrayList<>();
    private final LongAdder beats = new LongAdder();

    private LoopHeartbeat() {
    }

    /** Starts one on every loop of {@code loops}, every {@link #EVERY_MILLIS}. */
    static LoopHeartbeat start(EventLoopGroup loops) {
        return start(loops, EVERY_MILLIS);
    }

    /** The same every {@code everyMillis} (tests). */
    static LoopHeartbeat start(EventLoopGroup loops, long everyMillis) {
        LoopHeartbeat h = new LoopHeartbeat();
        for (EventExecutor loop : loops) {
            h.timers.add(loop.scheduleAtFixedRate(h.beats::increment, everyMillis, everyMillis,
                    TimeUnit.MILLISECONDS));
        }
        return h;
    }

    /** How many times the timers have fired, on all loops together. */
    long beats() {
        return beats.sum();
    }

    void stop() {
        timers.forEach(t -> t.cancel(false));
    }
}
