package io.stickylb.warmup;

import io.netty.channel.EventLoop;
import io.stickylb.config.LimitsConfig;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.metrics.ProxyMetrics;
import io.stickylb.server.LoadBalancer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * that follow real traffic, and in each opens up to {@value IdleDrills#CONNECTIONS} new connections through the mirror
 * ({@link IdleDrills}), stopping at once when real traffic returns; it retires when a whole drill kept the compiler
 * quiet, or after {@value IdleDrills#MAX} drills. The responder gives the drills nginx's answer only: the other kinds,
 * new to code compiled from real traffic, would throw that code away in the lull and leave it to be compiled again
 * in the next busy spell, the very cost the drills are there to move out of it.
 */
public final class JitWarmup {

    private static final Logger log = LoggerFactory.getLogger(JitWarmup.class);
    static final int CLIENTS = 4;
    static final long PULSE_EVERY_MILLIS = 40;
    static final long PULSE_IDLE_MILLIS = 4;
    private static final int PULSE_TASKS = 100;
    static final Runnable NOTHING = () -> { };
    /** Requests before the compiler's quiet counts: per-request methods then have crossed C2's thresholds. */
    static final long MIN_REQUESTS_BEFORE_QUIET = 30_000;
    /** Connections per burst: more than a listener accepts per wake-up ({@code Transport}: 64). */
    static final int BURST_CONNECTIONS = 100;
    private static final int BURSTS = 3;
    private static final long QUIET_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long QUIET_WINDOW_REQUESTS = 20_000;
    /** The compile time per window (or per idle drill) that counts as the compiler being quiet. */
    static final long QUIET_MAX_COMPILE_MILLIS = 10;
    /**
     * How long the rare events go on beside real traffic after the warm-up gave way to it, at most ({@link Trickle}):
     * they end with the warm-up's own time budget too. Real traffic compiles the hot paths within a second or two, so
     * 3 s covers the recompilations the events are for; 10 s did no better later on and cost a benchmark that
     * measures a fresh instance after a short warm-up about a tenth of its throughput (docs/benchmarks.md, *Stop 30*).
     */
    static final Duration TRICKLE = Duration.ofSeconds(3);
    /** One bucket of the mirror's latency window: {@link MirrorConfig#TIMER} in as many buckets as a window has. */
    private static final long WINDOW_BUCKET_MILLIS = MirrorConfig.TIMER.toMillis() / ProxyMetrics.LATENCY_MAX_BUCKETS;
    /** A lull in which the mirror's latency window turns by two buckets: not one, not all of it. */
    static final long TWO_BUCKETS_MILLIS = WINDOW_BUCKET_MILLIS * 5 / 2;
    /** A lull in which the mirror's whole latency window goes by (and its idle backend connections time out). */
    static final long WHOLE_WINDOW_MILLIS = MirrorConfig.TIMER.toMillis() + WINDOW_BUCKET_MILLIS;
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

    private final LoadBalancer host;
    private final Duration maxTime;
    private final long maxRequests;
    private final Duration trickle;
    private final Duration drills;
    private final Duration drillIdle;
    private volatile WarmupBudget budget;
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
        WarmupBudget b = new WarmupBudget(start + maxTime.toNanos(), maxRequests);
        watch(b);
        LoadBalancerConfig shape = host == null ? null : host.config();
        long trickled = 0;
        long trickleRaces = 0;
        IdleDrills drilled = null;
        Duration took = null;
        ResetRace race = new ResetRace();
        try (WarmupResponder responder = new WarmupResponder(WarmupTraffic.sessionCookies(shape), race)) {
            LoadBalancerConfig config = shape == null
                    ? MirrorConfig.own(responder.port())
                    : MirrorConfig.of(shape, responder.port());
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
                    Trickle t = new Trickle(this, lb, traffic, race, end);
                    trickled = t.run();
                    trickleRaces = t.races;
                    if (!stopped && !drills.isZero()) {
                        drilled = new IdleDrills(this, lb, traffic, responder, race,
                                System.nanoTime() + drills.toNanos(), drillIdle);
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

    private void logResult(WarmupBudget b, Duration took) {
        if (stopped) {
            return;
        }
        if (b.failure != null) {
            log.info("JIT warm-up ended early after {} requests: {}", b.served.get(), b.failure);
        } else if (b.yielded) {
            log.info("JIT warm-up done: {} requests through a private loopback proxy in {} ms (real traffic "
                    + "arrived); its rare events go on beside that traffic, one every {}-{} ms for up to {} s",
                    b.served.get(), took.toMillis(), Trickle.EVERY_MILLIS, WHOLE_WINDOW_MILLIS, trickle.toSeconds());
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
        WarmupBudget b = budget;
        if (b != null) {
            b.stop();
        }
    }

    /** Makes {@link #stop()} reach {@code b}, and stops it at once when the warm-up already was. */
    void watch(WarmupBudget b) {
        budget = b;
        if (stopped) {
            b.stop();
        }
    }

    /** The instance being warmed, or null when the warm-up runs on its own loop. */
    LoadBalancer host() {
        return host;
    }

    /**
     * Connections per burst: within half the mirrored max-connections (a refused connection is a 503 and a warning in
     * the log) and within max-pending-per-backend (beyond it a burst waits in line for backend connections, and the
     * warm-up with it).
     */
    static int burstSize(LoadBalancer lb) {
        LimitsConfig limits = lb.config().limits();
        return Math.min(BURST_CONNECTIONS, Math.min(limits.maxConnections() / 2, limits.maxPendingPerBackend()));
    }

    /** The private instance for {@code config}: on the warmed instance's loops, when there is one. */
    private LoadBalancer startMirror(LoadBalancerConfig config) {
        LoadBalancer lb = new LoadBalancer(config, new ProxyMetrics(MirrorConfig.TIMER)).quietly();
        if (host != null) {
            lb.onLoopsOf(host);
        }
        return lb.start();
    }

    private static void drive(LoadBalancer lb, WarmupTraffic traffic, WarmupBudget budget, RealTraffic real,
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
        List<EventLoop> loops = lb.eventLoops();
        // At least one client per loop: accepted connections are handed to the loops in turn.
        int count = Math.max(CLIENTS, loops.size());
        for (int i = 0; i < count; i++) {
            clients.add(Quietly.daemon("stickylb-warmup-client-" + i,
                    new WarmupClient(lb.port(), traffic, i, budget).racing(race, loops)));
        }
        clients.forEach(Thread::start);
        CompilerQuiet quiet = CompilerQuiet.ofThisJvm(MIN_REQUESTS_BEFORE_QUIET, QUIET_WINDOW_NANOS,
                QUIET_WINDOW_REQUESTS, QUIET_MAX_COMPILE_MILLIS);
        // Two things uniform load never does, once per pulse: more than 64 tasks queued while the loop is busy (as when
        // many connections close at once; Netty checks its time budget every 64 tasks), and an idle moment with a timer
        // due, so the loop's "nothing ready, a task is due" branches are profiled as well.
        while (clients.stream().anyMatch(Thread::isAlive)) {
            Quietly.sleepMillis(PULSE_EVERY_MILLIS);
            loops.forEach(JitWarmup::queueTasks);
            budget.pause(true);
            loops.forEach(loop -> loop.schedule(NOTHING, 1, TimeUnit.MILLISECONDS));
            Quietly.sleepMillis(pulseIdleMillis(budget.pulses.get()));
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

    /** Over 64 tasks queued at once, as when many connections close together (Netty looks at the time every 64). */
    static void queueTasks(EventLoop loop) {
        for (int i = 0; i < PULSE_TASKS; i++) {
            loop.execute(NOTHING);
        }
    }
}
