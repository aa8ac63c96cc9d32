package io.stickylb.server;

import io.netty.channel.EventLoop;
import io.stickylb.backend.Backend;
import io.stickylb.config.AccessLogConfig;
import io.stickylb.config.AdminConfig;
import io.stickylb.config.BackendConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.config.HealthConfig;
import io.stickylb.config.LimitsConfig;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.PassiveHealthConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.config.TimeoutConfig;
import io.stickylb.metrics.ProxyMetrics;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warms the JIT by driving loopback traffic through a private proxy instance (own port and metrics) to a private
 * responder; configured backends never see it. Warming a running instance, the private one mirrors its routes, pools
 * and strategies (every backend pointing at the responder) and runs on its event loops, so the compiled code meets no
 * new thread, strategy or request shape when real traffic arrives; and it stops as soon as real traffic does, rather
 * than compete with it on those loops. Otherwise it ends when the compiler has caught up ({@link CompilerQuiet}) or
 * its budget is spent. Besides keep-alive requests of several shapes ({@link WarmupTraffic}) and bursts of new
 * connections, it mixes in what uniform load never shows the compiler early: clients that leave mid-exchange, close
 * or reset, a reset that reaches the proxy with the answer it cuts off ({@link ResetRace}), bursts of queued tasks,
 * idle moments in which a timer fires or the latency window turns by more than one bucket, and (with the mirror's
 * timeouts and latency window cut to milliseconds) timers falling due while the loop is busy. Profiled early, those
 * branches are compiled in. Unprofiled, the first idle spell, client close or timer after long uniform load
 * deoptimises the event loop's compiled code, and the next burst waits while it is compiled again.
 *
 * <p>Real traffic that arrives at once compiles the hot paths from its own uniform profile within a second, long
 * before the rare events would be profiled; left so, the event loop is deoptimised when clients first reconnect or
 * the 30 s response deadlines first fall due, and again when the 60 s idle timers and the latency window first turn.
 * So after giving way the warm-up closes its private instance (closing one is new to the loops too) and keeps a
 * trickle of those events going through a fresh one for {@link #TRICKLE} beside the traffic (one every few tens of
 * milliseconds: well under 1 % of a loaded loop's work), and the recompilations they cause happen in the first
 * seconds instead.
 *
 * <p>What real traffic runs only once per connection (accepting it, building its pipeline, closing it) stays below
 * C2's thresholds for a long time when clients keep their connections: a few hundred new connections per busy spell
 * push it up one tier at a time, and each step is compiled as the next spell begins, on the cores that serve it. So
 * for {@link #DRILLS} after giving way the warm-up waits for idle moments (no real request for {@link #DRILL_IDLE})
 * that follow real traffic, and in each opens up to {@value #DRILL_CONNECTIONS} new connections through the mirror
 * ({@link IdleDrills}), stopping at once when real traffic returns; it retires when a whole drill kept the compiler
 * quiet, or after {@value #MAX_DRILLS} drills. The responder gives the drills nginx's answer only: the other kinds,
 * new to code compiled from real traffic, would throw that code away in the lull and leave it to be compiled again
 * in the next busy spell, the very cost the drills are there to move out of it.
 */
public final class JitWarmup {

    private static final Logger log = LoggerFactory.getLogger(JitWarmup.class);
    static final int CLIENTS = 4;
    private static final long PULSE_EVERY_MILLIS = 40;
    private static final long PULSE_IDLE_MILLIS = 4;
    private static final int PULSE_TASKS = 100;
    private static final Runnable NOTHING = () -> { };
    /** Requests before the compiler's quiet counts: per-request methods then have crossed C2's thresholds. */
    static final long MIN_REQUESTS_BEFORE_QUIET = 30_000;
    /** Connections per burst: more than a listener accepts per wake-up ({@code Transport}: 64). */
    static final int BURST_CONNECTIONS = 100;
    private static final int BURSTS = 3;
    private static final long QUIET_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long QUIET_WINDOW_REQUESTS = 20_000;
    private static final long QUIET_MAX_COMPILE_MILLIS = 10;
    /**
     * The mirror's response and backend idle timeouts and latency window: short, so their timers fall due while the
     * loop is busy, as the real instance's first do after 30 s and a minute; long enough for the responder's slowest
     * answer ({@code WarmupResponder}: a few milliseconds) while the JVM is still cold.
     */
    static final Duration MIRROR_TIMER = Duration.ofMillis(50);
    /** The most consecutive failures a config allows: see {@link #quiet}. */
    static final int MIRROR_CONSECUTIVE_FAILURES = PassiveHealthConfig.MAX_CONSECUTIVE_FAILURES;
    /**
     * How long the rare events go on beside real traffic after the warm-up gave way to it, at most: they end with the
     * warm-up's own time budget too. Real traffic compiles the hot paths within a second or two, so 3 s covers the
     * recompilations the events are for; 10 s did no better later on and cost a benchmark that measures a fresh
     * instance after a short warm-up about a tenth of its throughput (docs/benchmarks.md, *Stop 30*).
     */
    static final Duration TRICKLE = Duration.ofSeconds(3);
    static final long TRICKLE_EVERY_MILLIS = 20;
    /**
     * Every this many events of the trickle, from its {@value #TRICKLE_FIRST_RACE}rd on, a {@link ResetRace} instead:
     * three in 3 s. Traffic that arrives with the proxy leaves the warm-up proper no time for its own races, and the
     * first load generator to stop with answers on their way then threw away the response path, compiled again while
     * the next load began (3 of 5 fresh starts in the shared script's pattern: docs/benchmarks.md, *Stop 46*). A race
     * holds the loops for well under a millisecond while both of its packets arrive (at most
     * {@value ResetRace#HOLD_MAX_MILLIS} ms); the first comes before C2 has compiled the response path from the
     * traffic, so the branch is profiled, the later ones after, so a trap, if one was compiled in, falls due now. The
     * second puts the answer first, so the write to the client fails on a socket the reset broke.
     */
    static final int TRICKLE_RACE_EVERY = 25;
    static final int TRICKLE_FIRST_RACE = 3;
    /** One bucket of the mirror's latency window: {@link #MIRROR_TIMER} in {@link ProxyMetrics#LATENCY_MAX_BUCKETS}. */
    private static final long WINDOW_BUCKET_MILLIS = MIRROR_TIMER.toMillis() / ProxyMetrics.LATENCY_MAX_BUCKETS;
    /** A lull in which the mirror's latency window turns by two buckets: not one, not all of it. */
    static final long TWO_BUCKETS_MILLIS = WINDOW_BUCKET_MILLIS * 5 / 2;
    /** A lull in which the mirror's whole latency window goes by (and its idle backend connections time out). */
    static final long WHOLE_WINDOW_MILLIS = MIRROR_TIMER.toMillis() + WINDOW_BUCKET_MILLIS;
    /** One pulse in this many idles for {@link #TWO_BUCKETS_MILLIS}, and one for {@link #WHOLE_WINDOW_MILLIS}. */
    private static final int LONG_PULSE_EVERY = 25;
    /** How long after giving way the warm-up still drills new connections in idle moments (see {@link IdleDrills}). */
    static final Duration DRILLS = Duration.ofMinutes(5);
    /**
     * How long real traffic must have been quiet before a drill: a lull, not the gap between two requests, nor the
     * second a benchmark leaves between its warm-up run and its measured one (the shared script's): a drill begun
     * there ran into the measurement, which then compiled again what the drill's races had thrown away
     * (docs/benchmarks.md, *Stop 45*).
     */
    static final Duration DRILL_IDLE = Duration.ofSeconds(2);
    /** New connections per drill: with a benchmark's few hundred per busy spell, C2's thresholds take a few drills. */
    static final int DRILL_CONNECTIONS = 2_000;
    static final int MAX_DRILLS = 10;

    private final LoadBalancer host;
    private final Duration maxTime;
    private final long maxRequests;
    private final Duration trickle;
    private final Duration drills;
    private final Duration drillIdle;
    private volatile Budget budget;
    private volatile boolean stopped;

    /**
     * A warm-up on its own event loop, through one round-robin pool, that stops after {@code maxTime} or
     * {@code maxRequests} answered requests, whichever comes first.
     */
    public JitWarmup(Duration maxTime, long maxRequests) {
        this(maxTime, maxRequests, null);
    }

    /**
     * The same for {@code host}, a started instance (null: as above): through a mirror of its routes and pools, on
     * its event loops and transport.
     */
    public JitWarmup(Duration maxTime, long maxRequests, LoadBalancer host) {
        this(maxTime, maxRequests, host, TRICKLE, DRILLS, DRILL_IDLE);
    }

    /** The same with a trickle of another length and no idle drills (tests). */
    JitWarmup(Duration maxTime, long maxRequests, LoadBalancer host, Duration trickle) {
        this(maxTime, maxRequests, host, trickle, Duration.ZERO, DRILL_IDLE);
    }

    /** The same with idle drills for {@code drills} after giving way, each after {@code drillIdle} of quiet (tests). */
    JitWarmup(Duration maxTime, long maxRequests, LoadBalancer host, Duration trickle, Duration drills,
              Duration drillIdle) {
        this.host = host;
        if (maxTime.isNegative() || maxRequests < 0) {
            throw new IllegalArgumentException("warm-up budget must not be negative");
        }
        this.maxTime = maxTime;
        this.maxRequests = maxRequests;
        this.trickle = trickle;
        this.drills = drills;
        this.drillIdle = drillIdle;
    }

    /**
     * What a warm-up did: requests answered in full; clients that reset or closed while their answer was on its way;
     * client closes and resets after an answer; resets that reached the proxy in the same batch of events as the
     * answer to their request ({@link ResetRace}); idle moments with a timer due; bursts of up to {@link
     * #BURST_CONNECTIONS} connections; requests that carried all the cookies earlier answers set (a browser's) and
     * bare GETs that carried the affinity cookies alone (a sticky API client's); requests the responder answered (the
     * proxy answered the rest itself, e.g. for want of a route); whether it ended because the compiler had caught up
     * ({@link CompilerQuiet}) rather than on its budget; whether it stopped because real traffic arrived; the rare
     * events it then kept sending beside that traffic and the races among them; the drills it ran in idle moments
     * after that, the connections they opened, the keep-alive requests that followed and the races among them; and
     * the first failure, if any. {@code races} counts every race, the trickle's and the drills' included.
     * {@code took} is the time to the end of the warm-up proper, the trickle and the drills excluded.
     */
    public record Result(long requests, long resets, long earlyCloses, long clientCloses, long clientResets,
                         long races, long idlePulses,
                         long bursts, long cookieRequests, long affinityCookieRequests, long backendRequests,
                         boolean compilerQuiet, boolean yieldedToTraffic, long trickled, long trickleRaces,
                         long drills, long drillConnections, long drillRequests, long drillRaces, Duration took,
                         String failure) {
    }

    /** Runs to the end of the budget (or {@link #stop()}); never throws for traffic errors, it reports them. */
    public Result run() {
        return run(() -> { });
    }

    /**
     * As {@link #run()}; {@code whenWarm} runs once the warm-up proper is over (unless stopped), before the trickle
     * that follows giving way to real traffic: what should follow the warm-up at once, such as settling the heap.
     */
    public Result run(Runnable whenWarm) {
        long start = System.nanoTime();
        Budget b = new Budget(start + maxTime.toNanos(), maxRequests);
        budget = b;
        if (stopped) {
            b.stop();
        }
        LoadBalancerConfig shape = host == null ? null : host.config();
        long trickled = 0;
        long trickleRaces = 0;
        IdleDrills drilled = null;
        Duration took = null;
        ResetRace race = new ResetRace();
        try (WarmupResponder responder = new WarmupResponder(WarmupTraffic.sessionCookies(shape), race)) {
            LoadBalancerConfig config = shape == null ? ownConfig(responder.port()) : mirror(shape, responder.port());
            LoadBalancer lb = startMirror(config);
            try {
                WarmupTraffic traffic = new WarmupTraffic(config, lb.port());
                try {
                    drive(lb, traffic, b, new RealTraffic(host), race);
                } finally {
                    took = Duration.ofNanos(System.nanoTime() - start);
                    b.backendRequests = responder.answered();
                }
                logResult(b, took);
                if (!stopped) {
                    whenWarm.run();
                }
                if (b.yielded && b.failure == null && !stopped) {
                    // Closing a mirror runs code real traffic never runs on these loops (a listener deregistered, close
                    // futures awaited from another thread). Left to the end of the drills, minutes later, that first
                    // close threw away the loops' compiled code under whatever traffic came next (a benchmark's first
                    // measured round: docs/benchmarks.md, *Stop 44*). Closed now, among the first seconds'
                    // recompilations, it leaves the later close nothing new; a fresh mirror serves what follows.
                    lb.close(Duration.ZERO);
                    lb = startMirror(config);
                    traffic = new WarmupTraffic(config, lb.port());
                    // Within the warm-up's own time budget (--warmup is the longest it may take).
                    long end = Math.min(System.nanoTime() + trickle.toNanos(), b.deadlineNanos);
                    Trickle t = new Trickle(lb, traffic, race, end);
                    trickled = t.run();
                    trickleRaces = t.races;
                    if (!stopped && !drills.isZero()) {
                        drilled = new IdleDrills(lb, traffic, responder, race, System.nanoTime() + drills.toNanos());
                        drilled.run();
                    }
                }
            } finally {
                lb.close(Duration.ZERO);
            }
        } catch (IOException | RuntimeException e) {
            b.failed(e);
            if (!stopped) {
                log.info("JIT warm-up ended early after {} requests: {}", b.served.get(), b.failure);
            }
        }
        if (stopped) {
            // Stopped for a shutdown, which may have closed the event loops under it: not a failure worth showing.
            log.info("JIT warm-up stopped after {} requests: the proxy is stopping", b.served.get());
        }
        if (took == null) {
            took = Duration.ofNanos(System.nanoTime() - start);
        }
        return new Result(b.served.get(), b.resets.get(), b.earlyCloses.get(), b.closes.get(),
                b.resetsAfterAnswer.get(), b.races.get() + trickleRaces + (drilled == null ? 0 : drilled.races),
                b.pulses.get(), b.bursts.get(), b.withCookies.get(), b.withAffinityCookies.get(), b.backendRequests,
                b.quiet, b.yielded, trickled, trickleRaces, drilled == null ? 0 : drilled.drills,
                drilled == null ? 0 : drilled.connections, drilled == null ? 0 : drilled.requests,
                drilled == null ? 0 : drilled.races, took, b.failure);
    }

    private void logResult(Budget b, Duration took) {
        if (stopped) {
            return;
        }
        if (b.failure != null) {
            log.info("JIT warm-up ended early after {} requests: {}", b.served.get(), b.failure);
        } else if (b.yielded) {
            log.info("JIT warm-up done: {} requests through a private loopback proxy in {} ms (real traffic "
                    + "arrived); its rare events go on beside that traffic, one every {}-{} ms for up to {} s",
                    b.served.get(), took.toMillis(), TRICKLE_EVERY_MILLIS, WHOLE_WINDOW_MILLIS, trickle.toSeconds());
        } else {
            log.info("JIT warm-up done: {} requests through a private loopback proxy in {} ms ({})", b.served.get(),
                    took.toMillis(), b.quiet ? "the compiler has caught up" : "its budget is spent");
        }
    }

    /** True once {@link #stop()} was called: the warm-up was cut short (the proxy is stopping). */
    public boolean stopped() {
        return stopped;
    }

    /** Ends a running warm-up soon (within a few milliseconds); harmless when none runs. */
    public void stop() {
        stopped = true;
        Budget b = budget;
        if (b != null) {
            b.stop();
        }
    }

    /**
     * The rare events, one every few tens of milliseconds ({@link #trickleGapMillis}) until a deadline, beside real
     * traffic: in turn a client reset and a close while the answer is on its way, a close and a reset after the
     * answer, a keep-alive request (the mirror's short timers fall due among them); and on every loop a burst of
     * queued tasks and timers due at once. Now and then a {@link ResetRace} ({@link #TRICKLE_RACE_EVERY}): it holds
     * the loops real traffic now uses, so only a few.
     */
    private final class Trickle {
        private final WarmupClient client;
        private final List<EventLoop> loops;
        private final Budget budget;
        /** Races run with the loops held while the reset and the answer arrived. */
        long races;

        Trickle(LoadBalancer lb, WarmupTraffic traffic, ResetRace race, long deadlineNanos) {
            this.budget = new Budget(deadlineNanos, Long.MAX_VALUE);
            this.loops = loopsOf(lb);
            this.client = new WarmupClient(lb.port(), traffic, 0, budget).racing(race, loops);
        }

        /** Returns the rare events sent. */
        long run() {
            JitWarmup.this.budget = budget;
            if (stopped) {
                budget.stop();
            }
            long events = 0;
            try {
                while (budget.next()) {
                    sleepMillis(trickleGapMillis(events));
                    for (EventLoop loop : loops) {
                        queueTasks(loop);
                        loop.schedule(NOTHING, 0, TimeUnit.MILLISECONDS);
                        loop.schedule(NOTHING, 1, TimeUnit.MILLISECONDS);
                    }
                    if (++events % TRICKLE_RACE_EVERY == TRICKLE_FIRST_RACE) {
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
    }

    /**
     * Drills of new connections through the mirror in the warmed instance's idle moments: once real traffic was seen
     * and has then been quiet for {@link #drillIdle}, a wake-up of the sleeping loops from another thread, bursts of
     * new connections (one bare GET each, which the responder answers as nginx does and no other way: {@link
     * WarmupResponder#plainOnly}) until {@value #DRILL_CONNECTIONS} were answered or a real request arrives, then a
     * few {@link ResetRace}s and keep-alive bare GETs until the compiler is quiet ({@link #settle}). A race holds the
     * loops for a moment, which only a lull allows once real traffic has come: the warm-up proper races too, but gives
     * way within one pulse when traffic arrives with the proxy, often before its first race. One drill per lull; it
     * retires when a whole drill cost the compiler at most {@value #QUIET_MAX_COMPILE_MILLIS} ms, after {@value
     * #MAX_DRILLS} drills, at its deadline, or on {@link #stop()}. A JVM that does not report compilation time drills
     * {@value #MAX_DRILLS} times.
     */
    final class IdleDrills {
        private static final long LOOK_EVERY_MILLIS = 100;
        /**
         * A trap throws away only the compiled code it happens in: the first race, the response path inlined into
         * the backend handler; the next, that path compiled on its own, and so on. Three reach them all.
         */
        private static final int RACES_PER_DRILL = 3;
        static final long SETTLE_REQUESTS = 50_000;
        private static final long SETTLE_WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(300);
        private static final long SETTLE_WINDOW_REQUESTS = 3_000;
        private final WarmupClient client;
        private final List<EventLoop> loops;
        private final RealTraffic real;
        private final int burst;
        private final long deadlineNanos;
        /** Null when this JVM does not report its compilation time. */
        private final LongSupplier compileMillis = CompilerQuiet.compileMillisOfThisJvm();
        long drills;
        long connections;
        long requests;
        long races;

        IdleDrills(LoadBalancer lb, WarmupTraffic traffic, WarmupResponder responder, ResetRace race,
                   long deadlineNanos) {
            responder.plainOnly(true);
            this.loops = loopsOf(lb);
            this.client = new WarmupClient(lb.port(), traffic, 0, new Budget(Long.MAX_VALUE, Long.MAX_VALUE))
                    .racing(race, loops);
            this.real = new RealTraffic(host);
            this.burst = burstSize(lb);
            this.deadlineNanos = deadlineNanos;
        }

        void run() {
            long seen = real.requests();
            long quietSince = System.nanoTime();
            // Armed by the traffic the warm-up gave way to, then again only by a busy spell, not by a probe or two.
            long atLastDrill = seen - RealTraffic.YIELD_REQUESTS - 1;
            while (!stopped && drills < MAX_DRILLS && burst > 0 && System.nanoTime() < deadlineNanos) {
                sleepMillis(LOOK_EVERY_MILLIS);
                long now = real.requests();
                if (now != seen) {
                    seen = now;
                    quietSince = System.nanoTime();
                } else if (seen - atLastDrill > RealTraffic.YIELD_REQUESTS
                        && System.nanoTime() - quietSince >= drillIdle.toNanos()) {
                    atLastDrill = seen;
                    long compiledBefore = compileMillis == null ? 0 : compileMillis.getAsLong();
                    int answered = drill(seen);
                    drills++;
                    connections += answered;
                    if (answered >= DRILL_CONNECTIONS) {
                        requests += settle(seen);
                    }
                    if (answered >= DRILL_CONNECTIONS && compileMillis != null
                            && compileMillis.getAsLong() - compiledBefore <= QUIET_MAX_COMPILE_MILLIS) {
                        break;
                    }
                }
            }
            if (drills > 0 && !stopped) {
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
                    QUIET_MAX_COMPILE_MILLIS);
            long answered = 0;
            long sent = 0;
            try {
                while (answered < SETTLE_REQUESTS && !stopped && real.requests() == realRequests) {
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
                loops.forEach(loop -> loop.execute(NOTHING));
                while (answered < DRILL_CONNECTIONS && !stopped && real.requests() == realRequests) {
                    answered += client.burst(burst);
                }
                // Nor a reset raced against its answer, which holds the loops: only in a lull, so never with traffic.
                for (int i = 0; i < RACES_PER_DRILL && answered >= DRILL_CONNECTIONS && !stopped
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

    /**
     * Connections per burst: within half the mirrored max-connections (a refused connection is a 503 and a warning in
     * the log) and within max-pending-per-backend (beyond it a burst waits in line for backend connections, and the
     * warm-up with it).
     */
    private static int burstSize(LoadBalancer lb) {
        LimitsConfig limits = lb.config().limits();
        return Math.min(BURST_CONNECTIONS, Math.min(limits.maxConnections() / 2, limits.maxPendingPerBackend()));
    }

    /** The private instance for {@code config}: on the warmed instance's loops, when there is one. */
    private LoadBalancer startMirror(LoadBalancerConfig config) {
        LoadBalancer lb = new LoadBalancer(config, new ProxyMetrics(MIRROR_TIMER)).quietly();
        if (host != null) {
            lb.onLoopsOf(host);
        }
        return lb.start();
    }

    private static LoadBalancerConfig ownConfig(int responderPort) {
        PoolConfig pool = PoolConfig.of("warmup", "round-robin",
                List.of(new BackendConfig("warmup", new Endpoint("127.0.0.1", responderPort), 1)));
        return LoadBalancerConfig.simple(new Endpoint("127.0.0.1", 0), pool)
                .withWorkers(1)
                .withAccessLog(AccessLogConfig.OFF);
    }

    /**
     * {@code real}'s routes, pools and limits on a loopback port of its own, every backend (same id, weight and route)
     * at the responder, response and backend idle timeouts of {@link #MIRROR_TIMER}; no active checks (the warm-up is
     * over before the first would matter), no admin API, no access log.
     */
    static LoadBalancerConfig mirror(LoadBalancerConfig real, int responderPort) {
        Endpoint responder = new Endpoint("127.0.0.1", responderPort);
        Map<String, PoolConfig> pools = new LinkedHashMap<>();
        for (PoolConfig p : real.pools().values()) {
            List<BackendConfig> backends = p.backends().stream()
                    .map(b -> new BackendConfig(b.id(), responder, b.weight(), b.route()))
                    .toList();
            HealthConfig health = new HealthConfig(null, quiet(p.health().passive()), p.health().panicThreshold());
            TimeoutConfig t = p.timeouts();
            pools.put(p.name(), p.withBackends(backends).withHealth(health)
                    .withTimeouts(new TimeoutConfig(t.connect(), MIRROR_TIMER, MIRROR_TIMER, t.tunnel())));
        }
        return new LoadBalancerConfig(null, new Endpoint("127.0.0.1", 0), real.workers(), pools, real.routes(),
                real.trustedProxies(), AdminConfig.DISABLED, AccessLogConfig.OFF, real.limits(),
                real.shutdownTimeout(), real.transport());
    }

    /**
     * The same passive checks with the most consecutive failures allowed before an ejection: a warm-up that shares
     * a starved core with real traffic sees its 50 ms response timeouts fire, and an ejection or "not ejected" warning
     * of the private instance would be logged under a real backend's name.
     */
    private static PassiveHealthConfig quiet(PassiveHealthConfig p) {
        return p.withConsecutiveFailures(MIRROR_CONSECUTIVE_FAILURES);
    }

    private static void drive(LoadBalancer lb, WarmupTraffic traffic, Budget budget, RealTraffic real,
                              ResetRace race) throws IOException {
        // Bursts first, while the code they run is still being profiled.
        WarmupClient burster = new WarmupClient(lb.port(), traffic, 0, budget);
        int burst = burstSize(lb);
        for (int i = 0; i < BURSTS && burst > 0 && budget.next(); i++) {
            // Real traffic that arrives with the proxy (a benchmark, a restart behind a busy balancer) starves these
            // client threads of CPU: three bursts then took seconds, while the traffic waited for the warm-up to go.
            if (real.arrived()) {
                budget.yielded();
                return;
            }
            budget.burst(burster.burst(burst));
        }
        List<Thread> clients = new ArrayList<>();
        List<EventLoop> loops = loopsOf(lb);
        // At least one client per loop: accepted connections are handed to the loops in turn.
        int count = Math.max(CLIENTS, loops.size());
        for (int i = 0; i < count; i++) {
            clients.add(daemon("stickylb-warmup-client-" + i,
                    new WarmupClient(lb.port(), traffic, i, budget).racing(race, loops)));
        }
        clients.forEach(Thread::start);
        CompilerQuiet quiet = CompilerQuiet.ofThisJvm(MIN_REQUESTS_BEFORE_QUIET, QUIET_WINDOW_NANOS,
                QUIET_WINDOW_REQUESTS, QUIET_MAX_COMPILE_MILLIS);
        // Two things uniform load never does, once per pulse: more than 64 tasks queued while the loop is busy (as when
        // many connections close at once; Netty checks its time budget every 64 tasks), and an idle moment with a timer
        // due, so the loop's "nothing ready, a task is due" branches are profiled as well.
        while (clients.stream().anyMatch(Thread::isAlive)) {
            sleepMillis(PULSE_EVERY_MILLIS);
            loops.forEach(JitWarmup::queueTasks);
            budget.pause(true);
            loops.forEach(loop -> loop.schedule(NOTHING, 1, TimeUnit.MILLISECONDS));
            sleepMillis(pulseIdleMillis(budget.pulses.get()));
            budget.pause(false);
            budget.pulses.incrementAndGet();
            if (quiet.settled(budget.served.get(), System.nanoTime())) {
                budget.settled();
            } else if (real.arrived()) {
                budget.yielded();
            }
        }
        for (Thread t : clients) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * The idle moment of pulse {@code n}: a few milliseconds, but now and then long enough for the mirror's latency
     * window to turn by two buckets, or by all of it. Uniform load only ever turns it by one; unprofiled, the other
     * two are branches the per-request code is compiled without, and the first longer lull of real traffic (a
     * benchmark's next round, a quiet minute) throws that code away just as traffic returns (docs/benchmarks.md,
     * *Stop 43*).
     */
    static long pulseIdleMillis(long n) {
        return switch ((int) (n % LONG_PULSE_EVERY)) {
            case 10 -> TWO_BUCKETS_MILLIS;
            case 20 -> WHOLE_WINDOW_MILLIS;
            default -> PULSE_IDLE_MILLIS;
        };
    }

    /**
     * The wait before the trickle's rare event after event {@code n}: {@link #TRICKLE_EVERY_MILLIS},
     * {@link #TWO_BUCKETS_MILLIS} and {@link #WHOLE_WINDOW_MILLIS} in turn, so that between the answers of its
     * exchanges the mirror's latency window turns by one bucket, two and all of it, as the pulses have it turn when
     * no real traffic cut the warm-up short.
     */
    static long trickleGapMillis(long n) {
        return switch ((int) (n % 3)) {
            case 1 -> TWO_BUCKETS_MILLIS;
            case 2 -> WHOLE_WINDOW_MILLIS;
            default -> TRICKLE_EVERY_MILLIS;
        };
    }

    static List<EventLoop> loopsOf(LoadBalancer lb) {
        List<EventLoop> loops = new ArrayList<>();
        lb.workers().forEach(e -> loops.add((EventLoop) e));
        return loops;
    }

    /** Over 64 tasks queued at once, as when many connections close together (Netty looks at the time every 64). */
    private static void queueTasks(EventLoop loop) {
        for (int i = 0; i < PULSE_TASKS; i++) {
            loop.execute(NOTHING);
        }
    }

    static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // a warm-up socket
        }
    }

    /** Closes {@code s} with a reset (linger 0) rather than a FIN, as a client that gives up does. */
    static void resetQuietly(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // closing anyway
        }
        closeQuietly(s);
    }

    /**
     * Whether the warmed instance has started serving real traffic: more than {@link #YIELD_REQUESTS} requests to its
     * backends per pulse (about 45 ms, so a few hundred requests a second) since the last look, which between bursts
     * may be longer ago than a pulse. A health check or a readiness probe stays well below that and leaves the
     * warm-up running.
     */
    private static final class RealTraffic {
        static final long YIELD_REQUESTS = 20;
        private static final long PULSE_NANOS = TimeUnit.MILLISECONDS.toNanos(PULSE_EVERY_MILLIS + PULSE_IDLE_MILLIS);
        private final LoadBalancer host;
        private long seen;
        private long lookedAt = System.nanoTime();

        RealTraffic(LoadBalancer host) {
            this.host = host;
            this.seen = requests();
        }

        boolean arrived() {
            long now = requests();
            long at = System.nanoTime();
            long pulses = Math.max(1, (at - lookedAt) / PULSE_NANOS);
            boolean arrived = now - seen > YIELD_REQUESTS * pulses;
            seen = now;
            lookedAt = at;
            return arrived;
        }

        long requests() {
            if (host == null) {
                return 0;
            }
            long sum = 0;
            for (Backend b : host.upstreams().allBackends()) {
                sum += b.stats().requests.sum();
            }
            return sum;
        }
    }

    /** The shared request and time budget of the clients, and the pauses that leave the event loop idle. */
    static final class Budget {
        private final long deadlineNanos;
        private final long maxRequests;
        private final AtomicLong served = new AtomicLong();
        private final AtomicLong resets = new AtomicLong();
        private final AtomicLong earlyCloses = new AtomicLong();
        private final AtomicLong closes = new AtomicLong();
        private final AtomicLong resetsAfterAnswer = new AtomicLong();
        private final AtomicLong races = new AtomicLong();
        private final AtomicLong pulses = new AtomicLong();
        private final AtomicLong withCookies = new AtomicLong();
        private final AtomicLong withAffinityCookies = new AtomicLong();
        private final AtomicLong bursts = new AtomicLong();
        private volatile boolean paused;
        private volatile boolean quiet;
        private volatile boolean yielded;
        private volatile long backendRequests;
        private volatile boolean stopped;
        private volatile String failure;

        Budget(long deadlineNanos, long maxRequests) {
            this.deadlineNanos = deadlineNanos;
            this.maxRequests = maxRequests;
        }

        /** Waits out a pause; false when the budget is spent. */
        boolean next() {
            while (paused && !stopped) {
                LockSupport.parkNanos(200_000);
            }
            return !stopped && served.get() < maxRequests && System.nanoTime() < deadlineNanos;
        }

        void served() {
            served.incrementAndGet();
        }

        void leftEarly(boolean reset) {
            (reset ? resets : earlyCloses).incrementAndGet();
        }

        void closed(boolean reset) {
            (reset ? resetsAfterAnswer : closes).incrementAndGet();
        }

        /** A {@link ResetRace}; {@code exact} when the loops were held while the reset and the answer arrived. */
        void raced(boolean exact) {
            if (exact) {
                races.incrementAndGet();
            }
        }

        void burst(int answered) {
            served.addAndGet(answered);
            bursts.incrementAndGet();
        }

        void sentCookies() {
            withCookies.incrementAndGet();
        }

        void sentAffinityCookies() {
            withAffinityCookies.incrementAndGet();
        }

        /** The compiler has caught up: the clients finish their current request and stop. */
        void settled() {
            quiet = true;
            stop();
        }

        /** Real traffic is here: the warm-up stops rather than compete with it on the same event loops. */
        void yielded() {
            yielded = true;
            stop();
        }

        void pause(boolean on) {
            paused = on;
        }

        void stop() {
            stopped = true;
        }

        void failed(Exception e) {
            if (failure == null) {
                failure = e.toString();
            }
            stop();
        }
    }
}
