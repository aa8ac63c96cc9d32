package io.stickylb.lab;

import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import io.stickylb.pool.Transport;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The load generator: replays the {@link ClientSchedule} against the proxy through a small pool of keep-alive Netty
 * connections, each carrying one request at a time. Open loop issues each request at its scheduled time whatever the
 * latency (and measures latency from that time, so queueing in the lab counts); closed loop keeps
 * {@code connections} requests in flight. A client has at most {@code max-in-flight} requests out (one by default,
 * and only one until it holds its session cookie); a request drawn beyond that waits behind them, keeping its
 * scheduled time as its latency origin, and think time separates a client's requests. Everything runs on one event
 * loop.
 */
final class LoadDriver {

    static final String SESSION_COOKIE = "JSESSIONID";
    private static final long TICK_NANOS = 1_000_000;
    private static final long SAMPLE_NANOS = 10_000_000;
    private static final long REQUEST_TIMEOUT_NANOS = 5_000_000_000L;
    private static final long FINISH_GRACE_NANOS = 1_500_000_000L;
    private static final int MAX_READY = 100_000;

    private final EventLoopGroup group;
    private final EventLoop loop;
    private final ProxyConnections connections;
    private final ClientSpec spec;
    private final ClientSchedule schedule;
    private final ClientPopulation clients;
    private final RunRecorder recorder;
    private final ReplyParser parser;
    private final Consumer<RunRecorder> sampler;
    private final boolean loopback;
    private final long thinkNanos;
    private final ReadyQueue ready = new ReadyQueue();
    private final ReadyQueue thinking = new ReadyQueue();
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private int inFlight;
    private long start;
    private long lastSample;
    private long finishBy = -1;
    private ScheduledFuture<?> ticker;
    private volatile boolean stopRequested;
    volatile long unsent;

    LoadDriver(InetSocketAddress proxy, ClientSpec spec, ClientSchedule schedule, ClientPopulation clients,
            RunRecorder recorder, ReplyParser parser, Consumer<RunRecorder> sampler) {
        this.spec = spec;
        this.schedule = schedule;
        this.clients = clients;
        this.recorder = recorder;
        this.parser = parser;
        this.sampler = sampler;
        this.loopback = spec.source() == ClientSpec.AddressSource.LOOPBACK;
        this.thinkNanos = spec.thinkTime().toNanos();
        Transport transport = Transport.best();
        this.group = transport.newGroup(1, "lab-client");
        this.loop = group.next();
        this.connections = new ProxyConnections(this, loop, transport, proxy, loopback, spec.connections());
    }

    /** Opens the shared connections ahead of the run (forwarded mode), so the first second is not spent connecting. */
    CompletableFuture<Void> connect() {
        CompletableFuture<Void> all = new CompletableFuture<>();
        loop.execute(() -> {
            if (loopback) {
                all.complete(null);
            } else {
                connections.openAll().thenRun(() -> all.complete(null));
            }
        });
        return all;
    }

    /**
     * Starts the run now; the future completes when the duration is over (or a stop was asked) and all answers are in.
     */
    CompletableFuture<Void> run(long durationNanos) {
        loop.execute(() -> {
            start = System.nanoTime();
            schedule.advance();
            ticker = loop.scheduleAtFixedRate(() -> tick(durationNanos), 0, TICK_NANOS, TimeUnit.NANOSECONDS);
        });
        return finished;
    }

    /** Ends the run early (Ctrl-C); what was measured stays. */
    void stop() {
        stopRequested = true;
    }

    /** Nanoseconds since the run started, on any thread. */
    long elapsedNanos() {
        return start == 0 ? 0 : System.nanoTime() - start;
    }

    /** Takes the snapshot of a fault on the driver's loop, right before the fault is applied. */
    CompletableFuture<FaultTracker> markFault(FaultEvent event) {
        CompletableFuture<FaultTracker> result = new CompletableFuture<>();
        loop.execute(() -> {
            long now = System.nanoTime() - start;
            FaultTracker tracker = new FaultTracker(event, now, clients, SESSION_COOKIE);
            recorder.faults.add(tracker);
            recorder.steadyEndNanos = Math.min(recorder.steadyEndNanos, now);
            result.complete(tracker);
        });
        return result;
    }

    void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private void tick(long durationNanos) {
        long now = System.nanoTime() - start;
        if (finishBy < 0 && (now >= durationNanos || stopRequested)) {
            finishBy = now + FINISH_GRACE_NANOS;
            unsent = unsentAtEnd(Math.min(now, durationNanos));
        }
        if (finishBy < 0) {
            arrivals(now);
            while (!thinking.isEmpty() && thinking.peekDue() <= now) {
                ready.add(thinking.peekClient(), thinking.peekDue(), thinking.peekOrigin());
                thinking.remove();
            }
            pump(now);
        }
        if (now - lastSample >= SAMPLE_NANOS) {
            lastSample = now;
            sampler.accept(recorder);
            timeouts(now);
        }
        if (finishBy >= 0 && (inFlight == 0 || now >= finishBy)) {
            ticker.cancel(false);
            connections.all().forEach(c -> {
                if (c.busy()) {
                    recorder.failed(c.dueNanos, c.sentNanos, "unanswered-at-end");
                    c.end();
                }
                c.channel.close();
            });
            finished.complete(null);
        }
    }

    /**
     * Drops the requests not sent by the end and counts those of the measured window (origin after the warm-up):
     * queued for a connection or a think time, waiting behind their client's requests, or due before {@code end} but
     * not drawn yet (a late tick). So answers, errors and unsent add up to the schedule's requests in the window.
     */
    private long unsentAtEnd(long end) {
        long from = recorder.warmupNanos;
        long n = ready.countOriginsFrom(from) + thinking.countOriginsFrom(from);
        ready.clear();
        thinking.clear();
        // Each client's waiting requests, then the undrawn ones, in order: their origins follow the think-time chain.
        for (int c = 0; c < clients.size(); c++) {
            while (clients.hasWaiting(c)) {
                if (clients.nextOrigin(c, clients.takeWaiting(c), Long.MAX_VALUE) >= from) {
                    n++;
                }
            }
        }
        if (spec.loop() == ClientSpec.LoadModel.OPEN) {
            for (; schedule.atNanos() < end; schedule.advance()) {
                if (clients.nextOrigin(schedule.client(), schedule.atNanos(), Long.MAX_VALUE) >= from) {
                    n++;
                }
            }
        }
        return n;
    }

    private void arrivals(long now) {
        if (spec.loop() == ClientSpec.LoadModel.OPEN) {
            while (schedule.atNanos() <= now) {
                arrive(schedule.client(), schedule.atNanos(), now);
                schedule.advance();
            }
            return;
        }
        // Closed loop: keep the connections busy with the next draws of the same seeded sequence. A draw waiting
        // behind its client (or for its think time) is outstanding too: leaving it out drew without end when the
        // clients were fewer than the connections, and piled the draws up as client-backlog errors.
        for (int guard = 0; guard < 10_000 && outstanding() < spec.connections(); guard++) {
            arrive(schedule.client(), now, now);
            schedule.advance();
        }
    }

    /** Drawn requests not yet answered: in flight, ready for a connection, thinking, or waiting behind a client. */
    private int outstanding() {
        return inFlight + ready.size() + thinking.size() + clients.waitingTotal();
    }

    private void arrive(int c, long due, long now) {
        if (!clients.mayStart(c, SESSION_COOKIE)) {
            if (!clients.addWaiting(c, due)) {
                recorder.failed(due, now, "client-backlog");
            }
            return;
        }
        if (ready.size() >= MAX_READY) {
            recorder.failed(due, now, "lab-overload");
            return;
        }
        clients.started(c);
        long readyAt = clients.readyAtMillis(c) * 1_000_000L;
        if (readyAt > now) {
            thinking.add(c, readyAt, clients.nextOrigin(c, due, readyAt));
        } else {
            ready.add(c, now, clients.nextOrigin(c, due, now));
        }
    }

    private void pump(long now) {
        while (!ready.isEmpty()) {
            int c = ready.peekClient();
            int key = loopback ? clients.addressGroup(c) : 0;
            LabConnection conn = connections.take(key);
            if (conn == null) {
                // A connection is on its way; its completion pumps again.
                return;
            }
            long origin = ready.peekOrigin();
            ready.remove();
            send(conn, c, origin, now);
        }
    }

    private void send(LabConnection conn, int c, long origin, long now) {
        String cookie = clients.cookieHeader(c);
        conn.begin(c, origin, now, clients.hasCookie(c, SESSION_COOKIE), clients.sessionBackend(c), cookie);
        inFlight++;
        DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/",
                Unpooled.EMPTY_BUFFER);
        request.headers().set(HttpHeaderNames.HOST, "stickylb-lab");
        if (!loopback) {
            request.headers().set("X-Forwarded-For", ClientAddresses.forwarded(clients.addressGroup(c)));
        }
        if (cookie != null) {
            request.headers().set(HttpHeaderNames.COOKIE, cookie);
        }
        conn.channel.writeAndFlush(request, conn.channel.voidPromise());
    }

    void answered(LabConnection conn, FullHttpResponse response) {
        if (!conn.busy()) {
            conn.channel.close();
            return;
        }
        long now = System.nanoTime() - start;
        int c = conn.client;
        Reply reply = parser.parse(response);
        String held = CookieHeader.value(clients.cookieHeader(c), SESSION_COOKIE);
        ReplyParser.applyCookies(response, clients, c);
        recorder.record(c, conn.dueNanos, conn.sentNanos, now, reply, conn.carriedSession, conn.sessionHome);
        if (reply.ok()) {
            clients.lastBackend(c, reply.backend());
            // The session now lives where it was just served: created (or re-pinned) there, or (shared store)
            // followed the client. With requests in parallel, the answer to one that carried an older session can
            // come last: it says nothing about the session the client holds now, whose requests would otherwise be
            // measured against the wrong backend.
            boolean setHere = !Objects.equals(held, CookieHeader.value(clients.cookieHeader(c), SESSION_COOKIE));
            boolean current = conn.carriedSession
                    && Objects.equals(held, CookieHeader.value(conn.sentCookies, SESSION_COOKIE));
            if (reply.sessionNew() || setHere || current) {
                clients.sessionBackend(c, reply.backend());
            }
        }
        conn.end();
        inFlight--;
        if (HttpUtil.isKeepAlive(response) && conn.channel.isActive()) {
            connections.release(conn);
        } else {
            conn.channel.close();
        }
        clientDone(c, now);
        if (finishBy < 0) {
            pump(now);
        }
    }

    void closed(LabConnection conn) {
        connections.closed(conn);
        if (conn.busy()) {
            long now = System.nanoTime() - start;
            recorder.failed(conn.dueNanos, conn.sentNanos, "connection-closed");
            int c = conn.client;
            conn.end();
            inFlight--;
            clientDone(c, now);
        }
    }

    private void clientDone(int c, long now) {
        clients.finished(c);
        clients.readyAtMillis(c, (int) Math.min(Integer.MAX_VALUE, (now + thinkNanos) / 1_000_000L));
        if (finishBy >= 0) {
            // The run is over and its waiting requests were counted as unsent; none may go now.
            return;
        }
        while (clients.mayStart(c, SESSION_COOKIE) && clients.hasWaiting(c)) {
            long scheduled = clients.takeWaiting(c);
            clients.started(c);
            if (thinkNanos > 0) {
                thinking.add(c, now + thinkNanos, clients.nextOrigin(c, scheduled, now + thinkNanos));
            } else {
                ready.add(c, now, clients.nextOrigin(c, scheduled, now));
            }
        }
    }

    /** A new connection is ready: the request waiting for it can go. */
    void connected() {
        if (start != 0 && finishBy < 0) {
            pump(System.nanoTime() - start);
        }
    }

    /** A connection attempt failed: the request that wanted it fails too, so a dead proxy cannot spin the loop. */
    void connectFailed() {
        if (start == 0 || ready.isEmpty()) {
            return;
        }
        long now = System.nanoTime() - start;
        int c = ready.peekClient();
        long origin = ready.peekOrigin();
        ready.remove();
        recorder.failed(origin, now, "connect");
        clientDone(c, now);
    }

    private void timeouts(long now) {
        for (LabConnection conn : connections.all()) {
            if (conn.busy() && now - conn.sentNanos > REQUEST_TIMEOUT_NANOS) {
                int c = conn.client;
                recorder.failed(conn.dueNanos, conn.sentNanos, "timeout");
                conn.end();
                inFlight--;
                clientDone(c, now);
                conn.channel.close();
            }
        }
    }
}
