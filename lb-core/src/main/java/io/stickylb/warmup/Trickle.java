package io.stickylb.warmup;

import io.netty.channel.EventLoop;
import io.stickylb.server.LoadBalancer;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The rare events {@link JitWarmup} keeps going beside real traffic after giving way to it, one every few tens of
 * milliseconds ({@link #gapMillis}) until a deadline: in turn a client reset and a close while the answer is on its
 * way, a close and a reset after the answer, a keep-alive request (the mirror's short timers fall due among them); and
 * on every loop a burst of queued tasks and timers due at once. Now and then a {@link ResetRace} ({@link
 * #RACE_EVERY}): it holds the loops real traffic now uses, so only a few.
 */
final class Trickle {

    static final long EVERY_MILLIS = 20;
    /**
     * Every this many events, from the {@value #FIRST_RACE}rd on, a {@link ResetRace} instead: three in 3 s. Traffic
     * that arrives with the proxy leaves the warm-up proper no time for its own races, and the first load generator to
     * stop with answers on their way then threw away the response path, compiled again while the next load began (3
     * of 5 fresh starts in the shared script's pattern: docs/benchmarks.md, *Stop 46*). A race holds the loops for
     * well under a millisecond while both of its packets arrive (at most {@value ResetRace#HOLD_MAX_MILLIS} ms); the
     * first comes before C2 has compiled the response path from the traffic, so the branch is profiled, the later ones
     * after, so a trap, if one was compiled in, falls due now. The second puts the answer first, so the write to the
     * client fails on a socket the reset broke.
     */
    static final int RACE_EVERY = 25;
    static final int FIRST_RACE = 3;

    private final JitWarmup owner;
    private final WarmupClient client;
    private final List<EventLoop> loops;
    private final WarmupBudget budget;
    /** Races run with the loops held while the reset and the answer arrived. */
    long races;

    Trickle(JitWarmup owner, LoadBalancer lb, WarmupTraffic traffic, ResetRace race, long deadlineNanos) {
        this.owner = owner;
        this.budget = new WarmupBudget(deadlineNanos, Long.MAX_VALUE);
        this.loops = lb.eventLoops();
        this.client = new WarmupClient(lb.port(), traffic, 0, budget).racing(race, loops);
    }

    /** Returns the rare events sent. */
    long run() {
        owner.watch(budget);
        long events = 0;
        try {
            while (budget.next()) {
                Quietly.sleepMillis(gapMillis(events));
                for (EventLoop loop : loops) {
                    JitWarmup.queueTasks(loop);
                    loop.schedule(JitWarmup.NOTHING, 0, TimeUnit.MILLISECONDS);
                    loop.schedule(JitWarmup.NOTHING, 1, TimeUnit.MILLISECONDS);
                }
                if (++events % RACE_EVERY == FIRST_RACE) {
                    races += client.raceQuietly() ? 1 : 0;
                } else {
                    client.rareEvent(events);
                }
            }
        } finally {
            client.close();
        }
        return events;
    }

    /**
     * The wait before the rare event after event {@code n}: {@link #EVERY_MILLIS},
     * {@link JitWarmup#TWO_BUCKETS_MILLIS} and {@link JitWarmup#WHOLE_WINDOW_MILLIS} in turn, so that between the
     * answers of its exchanges the mirror's latency window turns by one bucket, two and all of it, as the pulses have
     * it turn when no real traffic cut the warm-up short.
     */
    static long gapMillis(long n) {
        return switch ((int) (n % 3)) {
            case 1 -> JitWarmup.TWO_BUCKETS_MILLIS;
            case 2 -> JitWarmup.WHOLE_WINDOW_MILLIS;
            default -> EVERY_MILLIS;
        };
    }
}
