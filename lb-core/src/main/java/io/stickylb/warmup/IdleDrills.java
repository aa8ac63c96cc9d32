package io.stickylb.warmup;

import io.netty.channel.EventLoop;
import io.stickylb.server.LoadBalancer;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drills of new connections through the mirror in the warmed instance's idle moments: once real traffic was seen and
 * has then been quiet for a while ({@link JitWarmup#DRILL_IDLE} by default), a wake-up of the sleeping loops from
 * another thread, bursts of new connections (one bare GET each, which the responder answers as nginx does and no other
 * way: {@link WarmupResponder#plainOnly}) until {@value #CONNECTIONS} were answered or a real request arrives, then a
 * few {@link ResetRace}s and keep-alive bare GETs until the compiler is quiet ({@link #settle}). A race holds the
 * loops for a moment, which only a lull allows once real traffic has come: the warm-up proper races too, but gives
 * way within one pulse when traffic arrives with the proxy, often before its first race. One drill per lull; it
 * retires when a whole drill cost the compiler at most {@value JitWarmup#QUIET_MAX_COMPILE_MILLIS} ms, after
 * {@value #MAX} drills, at its deadline, or on {@link JitWarmup#stop()}. A JVM that does not report compilation time
 * drills {@value #MAX} times.
 */
final class IdleDrills {

    /** The warm-up's logger: an operator silences or raises one name for all of it. */
    private static final Logger log = LoggerFactory.getLogger(JitWarmup.class);
    /** New connections per drill: with a benchmark's few hundred per busy spell, C2's thresholds take a few drills. */
    static final int CONNECTIONS = 2_000;
    static final int MAX = 10;
    private static final long LOOK_EVERY_MILLIS = 100;
    /**
     * A trap throws away only the compiled code it happens in: the first race, the response path inlined into
     * the backend handler; the next, that path compiled on its own, and so on. Three reach them all.
     */
    private static final int RACES_PER_DRILL = 3;
    static final long SETTLE_REQUESTS = 50_000;
    private static final long SETTLE_WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(300);
    private static final long SETTLE_WINDOW_REQUESTS = 3_000;
    private final JitWarmup owner;
    private final WarmupClient client;
    private final List<EventLoop> loops;
    private final RealTraffic real;
    private final int burst;
    private final long deadlineNanos;
    private final Duration idle;
    /** Null when this JVM does not report its compilation time. */
    private final LongSupplier compileMillis = CompilerQuiet.compileMillisOfThisJvm();
    long drills;
    long connections;
    long requests;
    long races;

    /**
     * Drills through {@code lb}, the mirror, for {@code owner}, whose host's requests tell a lull ({@code idle} of
     * none) from traffic, until {@code deadlineNanos}.
     */
    IdleDrills(JitWarmup owner, LoadBalancer lb, WarmupTraffic traffic, WarmupResponder responder, ResetRace race,
               long deadlineNanos, Duration idle) {
        responder.plainOnly(true);
        this.owner = owner;
        this.loops = lb.eventLoops();
        this.client = new WarmupClient(lb.port(), traffic, 0, new WarmupBudget(Long.MAX_VALUE, Long.MAX_VALUE))
                .racing(race, loops);
        this.real = new RealTraffic(owner.host());
        this.burst = JitWarmup.burstSize(lb);
        this.deadlineNanos = deadlineNanos;
        this.idle = idle;
    }

    /** Drills in lulls until it retires (see above); logs what it did. */
    void run() {
        long seen = real.requests();
        long quietSince = System.nanoTime();
        // Armed by the traffic the warm-up gave way to, then again only by a busy spell, not by a probe or two.
        long atLastDrill = seen - RealTraffic.YIELD_REQUESTS - 1;
        while (!owner.stopped() && drills < MAX && burst > 0 && System.nanoTime() < deadlineNanos) {
            Quietly.sleepMillis(LOOK_EVERY_MILLIS);
            long now = real.requests();
            if (now != seen) {
                seen = now;
                quietSince = System.nanoTime();
            } else if (seen - atLastDrill > RealTraffic.YIELD_REQUESTS
                    && System.nanoTime() - quietSince >= idle.toNanos()) {
                atLastDrill = seen;
                long compiledBefore = compileMillis == null ? 0 : compileMillis.getAsLong();
                int answered = drill(seen);
                drills++;
                connections += answered;
                if (answered >= CONNECTIONS) {
                    requests += settle(seen);
                }
                if (answered >= CONNECTIONS && compileMillis != null
                        && compileMillis.getAsLong() - compiledBefore <= JitWarmup.QUIET_MAX_COMPILE_MILLIS) {
                    break;
                }
            }
        }
        if (drills > 0 && !owner.stopped()) {
            log.info("JIT warm-up: {} drill(s) of new connections in idle moments, {} connections and {} keep-alive"
                    + " requests through the private instance, {} reset(s) raced against their answer", drills,
                    connections, requests, races);
        }
    }

    /**
     * After a drill's bursts, keep-alive bare GETs until the compiler is quiet (at most {@value #SETTLE_REQUESTS}
     * or until real traffic returns): a race throws away code real traffic compiled, and bursts of single
     * requests do not make it hot again, so without this it was compiled again in the next busy spell
     * (docs/benchmarks.md, *Stop 44*). Returns the requests answered.
     */
    private long settle(long realRequests) {
        CompilerQuiet quiet = CompilerQuiet.ofThisJvm(0, SETTLE_WINDOW_NANOS, SETTLE_WINDOW_REQUESTS,
                JitWarmup.QUIET_MAX_COMPILE_MILLIS);
        long answered = 0;
        long sent = 0;
        try {
            while (answered < SETTLE_REQUESTS && !owner.stopped() && real.requests() == realRequests) {
                for (int i = 0; i < 100; i++) {
                    if (client.bareGet(sent++)) {
                        answered++;
                    }
                }
                if (quiet.settled(answered, System.nanoTime())) {
                    break;
                }
            }
        } catch (IOException e) {
            // The private instance closing under it (a shutdown): nothing worth reporting.
        }
        client.close();
        return answered;
    }

    /**
     * One drill; returns the connections answered, fewer when real traffic came back or the warm-up stopped. The
     * races come last, right before {@link #settle}, and only when the lull outlasted the connections: a race
     * throws compiled code away, and traffic that returns before the settle has made it hot again pays for that.
     */
    private int drill(long realRequests) {
        int answered = 0;
        try {
            // Something busy spells never do, done while the loops sleep: a task from another thread waking them
            // (as a close or a reload does).
            loops.forEach(loop -> loop.execute(JitWarmup.NOTHING));
            while (answered < CONNECTIONS && !owner.stopped() && real.requests() == realRequests) {
                answered += client.burst(burst);
            }
            // Nor a reset raced against its answer, which holds the loops: only in a lull, so never with traffic.
            for (int i = 0; i < RACES_PER_DRILL && answered >= CONNECTIONS && !owner.stopped()
                    && real.requests() == realRequests; i++) {
                if (client.race()) {
                    races++;
                }
            }
        } catch (IOException e) {
            // The private instance closing under it (a shutdown): nothing worth reporting.
        }
        return answered;
    }
}
