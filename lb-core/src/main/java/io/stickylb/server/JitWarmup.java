package io.stickylb.server;

import io.netty.channel.EventLoop;
import io.stickylb.config.AccessLogConfig;
import io.stickylb.config.BackendConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.TransportChoice;
import io.stickylb.config.PoolConfig;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warms the JIT by driving loopback traffic through a private proxy instance (own port, metrics and event loop) to a
 * private responder; configured backends never see it. Besides keep-alive requests it mixes in what uniform load never
 * shows the compiler early: clients that leave mid-exchange or close, bursts of queued tasks, and idle moments in which
 * a timer fires. Profiled early, those branches are compiled in. Unprofiled, the first idle spell or client close after
 * long uniform load deoptimises the event loop's compiled code, and the next burst waits while it is compiled again.
 */
public final class JitWarmup {

    private static final Logger log = LoggerFactory.getLogger(JitWarmup.class);
    static final int CLIENTS = 4;
    private static final long PULSE_EVERY_MILLIS = 40;
    private static final long PULSE_IDLE_MILLIS = 4;
    private static final int PULSE_TASKS = 100;
    private static final Runnable NOTHING = () -> { };

    private final TransportChoice transport;
    private final Duration maxTime;
    private final long maxRequests;
    private volatile Budget budget;
    private volatile boolean stopped;

    /** A warm-up that stops after {@code maxTime} or {@code maxRequests} answered requests, whichever comes first. */
    public JitWarmup(Duration maxTime, long maxRequests) {
        this(maxTime, maxRequests, TransportChoice.AUTO);
    }

    /** The same, over the transport the proxy being warmed runs: the JIT must see that transport's code. */
    public JitWarmup(Duration maxTime, long maxRequests, TransportChoice transport) {
        this.transport = java.util.Objects.requireNonNull(transport, "transport");
        if (maxTime.isNegative() || maxRequests < 0) {
            throw new IllegalArgumentException("warm-up budget must not be negative");
        }
        this.maxTime = maxTime;
        this.maxRequests = maxRequests;
    }

    /**
     * What a warm-up did: requests answered in full; clients that reset or closed while their answer was on its way;
     * client closes after an answer; idle moments with a timer due; and the first failure, if any.
     */
    public record Result(long requests, long resets, long earlyCloses, long clientCloses, long idlePulses,
                         Duration took, String failure) {
    }

    /** Runs to the end of the budget (or {@link #stop()}); never throws for traffic errors, it reports them. */
    public Result run() {
        long start = System.nanoTime();
        Budget b = new Budget(start + maxTime.toNanos(), maxRequests);
        budget = b;
        if (stopped) {
            b.stop();
        }
        try (WarmupResponder responder = new WarmupResponder()) {
            LoadBalancer lb = new LoadBalancer(config(responder.port(), transport)).quietly().start();
            try {
                drive(lb, b);
            } finally {
                lb.close(Duration.ZERO);
            }
        } catch (IOException | RuntimeException e) {
            b.failed(e);
        }
        Result r = new Result(b.served.get(), b.resets.get(), b.earlyCloses.get(), b.closes.get(), b.pulses.get(),
                Duration.ofNanos(System.nanoTime() - start), b.failure);
        if (r.failure() == null) {
            log.info("JIT warm-up done: {} requests through a private loopback proxy in {} ms", r.requests(),
                    r.took().toMillis());
        } else {
            log.info("JIT warm-up ended early after {} requests: {}", r.requests(), r.failure());
        }
        return r;
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

    private static LoadBalancerConfig config(int responderPort, TransportChoice transport) {
        PoolConfig pool = PoolConfig.of("warmup", "round-robin",
                List.of(new BackendConfig("warmup", new Endpoint("127.0.0.1", responderPort), 1)));
        return LoadBalancerConfig.simple(new Endpoint("127.0.0.1", 0), pool)
                .withWorkers(1)
                .withAccessLog(AccessLogConfig.OFF)
                .withTransport(transport);
    }

    private static void drive(LoadBalancer lb, Budget budget) {
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            clients.add(daemon("stickylb-warmup-client-" + i, new WarmupClient(lb.port(), budget)));
        }
        clients.forEach(Thread::start);
        EventLoop loop = lb.workers().next();
        // Two things uniform load never does, once per pulse: more than 64 tasks queued while the loop is busy (as when
        // many connections close at once; Netty checks its time budget every 64 tasks), and an idle moment with a timer
        // due, so the loop's "nothing ready, a task is due" branches are profiled as well.
        while (clients.stream().anyMatch(Thread::isAlive)) {
            sleepMillis(PULSE_EVERY_MILLIS);
            for (int i = 0; i < PULSE_TASKS; i++) {
                loop.execute(NOTHING);
            }
            budget.pause(true);
            loop.schedule(NOTHING, 1, TimeUnit.MILLISECONDS);
            sleepMillis(PULSE_IDLE_MILLIS);
            budget.pause(false);
            budget.pulses.incrementAndGet();
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

    /** The shared request and time budget of the clients, and the pauses that leave the event loop idle. */
    static final class Budget {
        private final long deadlineNanos;
        private final long maxRequests;
        private final AtomicLong served = new AtomicLong();
        private final AtomicLong resets = new AtomicLong();
        private final AtomicLong earlyCloses = new AtomicLong();
        private final AtomicLong closes = new AtomicLong();
        private final AtomicLong pulses = new AtomicLong();
        private volatile boolean paused;
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

        void closed() {
            closes.incrementAndGet();
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
