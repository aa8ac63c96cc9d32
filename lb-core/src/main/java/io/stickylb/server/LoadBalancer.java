package io.stickylb.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.stickylb.admin.AdminServer;
import io.stickylb.admin.AdminTarget;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendAddresses;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.health.HealthSupervisor;
import io.stickylb.metrics.ProxyMetrics;
import io.stickylb.pool.ConnectionPools;
import io.stickylb.pool.Transport;
import io.stickylb.proxy.GracefulShutdown;
import io.stickylb.proxy.LocalAnswers;
import io.stickylb.proxy.ProxyRuntime;
import io.stickylb.proxy.ProxyServerInitializer;
import io.stickylb.proxy.Upstreams;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running stickylb instance: the client listener on its worker event loops, the pools and their connections.
 * {@link #start()} binds, {@link #reload} swaps the config atomically, {@link #close()} shuts down gracefully: stop
 * accepting, let in-flight requests finish up to the drain timeout, then close everything.
 */
public final class LoadBalancer implements AutoCloseable, AdminTarget {

    private static final Logger log = LoggerFactory.getLogger(LoadBalancer.class);
    private static final int MAX_IDLE_PER_BACKEND_PER_LOOP = 512;

    private Transport transport;
    private final ProxyRuntime runtime;
    private final ProxyMetrics metrics;
    private final ClientConnections connections = new ClientConnections();
    private final ChannelGroup clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
    private EventLoopGroup workers;
    private volatile boolean warmingUp;
    private TimerSentinel timerSentinel;
    private Channel listener;
    private AdminServer admin;
    private HealthSupervisor health;
    private BackendAddresses addresses;
    private BackendAddresses.Lookup nameLookup = InetAddress::getAllByName;
    private Duration nameRefresh = BackendAddresses.DEFAULT_REFRESH;
    private Duration firstLookupWait = BackendAddresses.DEFAULT_FIRST_WAIT;
    private volatile boolean closed;
    /** Set by {@link #shutdownBegins()}: the shutdown was asked for, though {@link #close} has not started yet. */
    private volatile boolean stopping;
    private boolean quiet;
    /** Applied to every reloaded config before it takes effect, from a SIGHUP or the admin API alike. */
    private volatile UnaryOperator<LoadBalancerConfig> reloadFit = UnaryOperator.identity();
    /** The instance whose event loops this one borrows (the JIT warm-up's), or null when it runs its own. */
    private LoadBalancer loopOwner;

    public LoadBalancer(LoadBalancerConfig config) {
        this(config, new ProxyMetrics());
    }

    /** With metrics made to measure (the JIT warm-up's private instance). */
    public LoadBalancer(LoadBalancerConfig config, ProxyMetrics metrics) {
        this.metrics = metrics;
        this.runtime = new ProxyRuntime(config, Upstreams.create(config));
        metrics.bind(runtime.upstreams().pools().values());
        metrics.bindClientConnections(connections::open, connections::accepted, connections::refused);
        metrics.bindLocalResponses(LocalAnswers.STATUSES, runtime.localAnswers()::count);
    }

    @Override
    public ClientCounts clients() {
        return new ClientCounts(connections.open(), runtime.config().limits().maxConnections(), connections.accepted(),
                connections.refused());
    }

    @Override
    public String scrapeMetrics() {
        return metrics.scrape();
    }

    /** The Prometheus metrics of this instance. */
    public ProxyMetrics metrics() {
        return metrics;
    }

    /**
     * Binds the listener; throws {@link PortInUseException} when the address is taken and
     * {@link io.stickylb.pool.TransportUnavailableException} when the configured transport cannot load here.
     */
    public synchronized LoadBalancer start() {
        LoadBalancerConfig config = runtime.config();
        int threads;
        if (loopOwner != null) {
            transport = loopOwner.transport;
            workers = loopOwner.workers;
            threads = loopOwner.config().effectiveWorkers();
        } else {
            transport = Transport.forChoice(config.transport());
            threads = config.effectiveWorkers();
            workers = transport.newGroup(threads, "stickylb-worker");
            timerSentinel = TimerSentinel.place(workers);
        }
        runtime.connections(new ConnectionPools(workers, transport, MAX_IDLE_PER_BACKEND_PER_LOOP));
        // Before the listener opens, so the first requests find their backends' addresses.
        addresses = new BackendAddresses(() -> runtime.upstreams().allBackends(), runtime.connections()::closeAll,
                nameLookup, nameRefresh);
        addresses.start(firstLookupWait);
        ServerBootstrap b = transport.listener(workers)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, Transport.allocator())
                .childHandler(new ClientTracker(clients, new ProxyServerInitializer(runtime), runtime, connections));
        InetSocketAddress bindTo = config.listen().toBindAddress();
        try {
            listener = b.bind(bindTo).syncUninterruptibly().channel();
        } catch (Exception e) {
            abandonStart();
            if (e instanceof BindException || e.getCause() instanceof BindException
                    || String.valueOf(e.getMessage()).contains("Address already in use")) {
                throw new PortInUseException("listen", config.listen(), e);
            }
            throw new ListenerBindException("listen", config.listen(), config.listen().host(), e);
        }
        // After Netty's acceptor (in the pipeline once bound), which pauses accepting on a failure and passes it on.
        listener.pipeline().addLast("accept-failures", new AcceptFailures());
        health = new HealthSupervisor(workers, transport);
        health.apply(runtime.upstreams().pools().values(), List.of());
        if (config.admin().enabled()) {
            startAdmin(config);
        }
        if (!quiet) {
            log.info("stickylb listening on {}://{} ({} worker thread{}, {} transport{})",
                    config.tls() != null ? "https" : "http", NetUtil.toSocketAddressString(address()), threads,
                    threads == 1 ? "" : "s", transport.displayName(),
                    config.proxyProtocol() ? ", PROXY protocol header expected" : "");
        }
        return this;
    }

    private void startAdmin(LoadBalancerConfig config) {
        try {
            admin = AdminServer.start(config.admin(), this, transport);
        } catch (RuntimeException e) {
            listener.close().syncUninterruptibly();
            abandonStart();
            throw e;
        }
    }

    /** The I/O transport this instance runs on; null before {@link #start()}. */
    public Transport transport() {
        return transport;
    }

    @Override
    public boolean shuttingDown() {
        return closed || stopping;
    }

    /**
     * Marks the shutdown as begun before {@link #close} runs (lb run first stops its JIT warm-up, which can take a
     * moment): {@code GET /ready} answers 503 and reloads are refused from here on, while requests are still served.
     */
    public void shutdownBegins() {
        stopping = true;
    }

    @Override
    public boolean warmingUp() {
        return warmingUp;
    }

    /** Set by whoever runs the JIT warm-up, while its warm-up proper runs; {@code GET /ready} answers 503 meanwhile. */
    public void warmingUp(boolean warming) {
        this.warmingUp = warming;
    }

    /** The bound admin API address, or null when the admin listener is off. */
    public InetSocketAddress adminAddress() {
        return admin == null ? null : admin.address();
    }

    /** The bound listener address (with the real port when the config asked for port 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    public int port() {
        return address().getPort();
    }

    public LoadBalancerConfig config() {
        return runtime.config();
    }

    public Upstreams upstreams() {
        return runtime.upstreams();
    }

    /** Client connections currently open. */
    public int clientConnections() {
        return clients.size();
    }

    public ProxyRuntime runtime() {
        return runtime;
    }

    /** Keeps start and stop out of the log: for the JIT warm-up's private instance. Call before {@link #start()}. */
    public LoadBalancer quietly() {
        quiet = true;
        return this;
    }

    /** The never-due timers on this instance's own loops (null before {@link #start()} and on borrowed loops). */
    TimerSentinel timerSentinel() {
        return timerSentinel;
    }

    /** The worker event loops, in the order connections are handed to them (empty before {@link #start()}). */
    public List<EventLoop> eventLoops() {
        List<EventLoop> loops = new ArrayList<>();
        if (workers != null) {
            workers.forEach(e -> loops.add((EventLoop) e));
        }
        return loops;
    }

    /**
     * Runs on the event loops (and transport) of {@code owner}, a started instance, instead of its own, and leaves
     * them running at close: the JIT warm-up's private instance, so the code it warms runs on the threads, thread
     * locals and buffer caches that real traffic will use. Call before {@link #start()}.
     */
    public LoadBalancer onLoopsOf(LoadBalancer owner) {
        if (owner.workers == null) {
            throw new IllegalStateException("the owner of the event loops has not started");
        }
        loopOwner = owner;
        return this;
    }

    /**
     * Looks backend host names up with {@code lookup} every {@code refresh}, and waits up to {@code firstWait} for the
     * first answers at start (default: the JVM's resolver, {@link BackendAddresses#DEFAULT_REFRESH},
     * {@link BackendAddresses#DEFAULT_FIRST_WAIT}). Call before {@link #start()}.
     */
    public LoadBalancer resolveNamesWith(BackendAddresses.Lookup lookup, Duration refresh, Duration firstWait) {
        this.nameLookup = lookup;
        this.nameRefresh = refresh;
        this.firstLookupWait = firstWait;
        return this;
    }

    /**
     * Adjusts every config a reload brings before it takes effect, whichever way the reload came (SIGHUP, the admin
     * API): {@code lb run} fits {@code max-connections} to the process's file-descriptor limit this way.
     */
    public LoadBalancer fitReloadsWith(UnaryOperator<LoadBalancerConfig> fit) {
        this.reloadFit = fit;
        return this;
    }

    /**
     * Swaps in a new, already validated config. Pools and backends with the same names keep their state, counters and
     * pooled connections; removed backends have their idle connections closed, and requests waiting in line for a
     * connection to one choose again. The listeners, event loops and transport stay as they are (a restart is needed
     * to change them); the admin token follows the file. Returns a warning, also logged, per setting left for the
     * restart.
     */
    @Override
    public synchronized List<String> reload(LoadBalancerConfig next) {
        if (closed) {
            // A reload asked for just before the shutdown began, and run after it: nothing is left to apply it to.
            throw new IllegalArgumentException("shutting down: no reload");
        }
        LoadBalancerConfig running = runtime.config();
        List<String> warnings = new ArrayList<>();
        next = RestartOnly.keep(running, reloadFit.apply(next), warnings);
        List<Backend> removed = new ArrayList<>();
        List<Backend> before = runtime.upstreams().allBackends();
        Upstreams upstreams = runtime.upstreams().next(next, removed);
        runtime.update(next, upstreams);
        if (admin != null && !Objects.equals(running.admin().token(), next.admin().token())) {
            admin.token(next.admin().token());
            log.info("admin.token {} by the reload; the admin API checks requests against it from now on",
                    next.admin().token() == null ? "removed" : running.admin().token() == null ? "set" : "changed");
        }
        metrics.bind(upstreams.pools().values());
        List<Backend> after = upstreams.allBackends();
        List<Backend> added = after.stream().filter(b -> !before.contains(b)).toList();
        if (health != null) {
            health.apply(upstreams.pools().values(), added);
        }
        // Retired before the loops' clean-up tasks are queued, so a connection released after its loop's task ran
        // sees the flag and closes instead of waiting in a pool nobody takes from.
        removed.stream().filter(b -> !after.contains(b)).forEach(Backend::retire);
        removed.forEach(runtime.connections()::removed);
        if (addresses != null) {
            addresses.refreshSoon();
        }
        warnings.forEach(log::warn);
        // `removed` also holds backends that kept their id at a new address (their old connections must go): they
        // are still in the pool, and counting them as removed told the operator of a removal that did not happen.
        long moved = removed.stream().filter(after::contains).count();
        log.info("configuration reloaded{} ({} pool(s), {} backend(s) added, {} removed{})",
                next.source() == null ? "" : " from " + next.source(), next.pools().size(), added.size(),
                removed.size() - moved, moved == 0 ? "" : ", " + moved + " moved to a new address");
        return warnings;
    }

    /** Graceful shutdown with the configured drain timeout. */
    @Override
    public void close() {
        close(runtime.config().shutdownTimeout());
    }

    /** Stops accepting, waits up to {@code drain} for in-flight requests, then closes everything. */
    public synchronized void close(Duration drain) {
        if (closed || workers == null) {
            return;
        }
        closed = true;
        if (health != null) {
            health.stop();
        }
        if (addresses != null) {
            addresses.close();
        }
        runtime.startDraining();
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        clients.forEach(ch -> ch.pipeline().fireUserEventTriggered(GracefulShutdown.EVENT));
        long deadline = System.nanoTime() + drain.toNanos();
        while (!drained() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int abandoned = runtime.activeExchanges();
        if (abandoned > 0 && !quiet) {
            log.warn("drain timeout ({}) reached with {} request(s) still in flight; closing them", drain, abandoned);
        }
        // Last of the listeners: an operator watches the drain through the admin API and lb status until here.
        if (admin != null) {
            admin.close();
        }
        runtime.startCuttingOff();
        clients.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        releaseLoops(Duration.ofSeconds(2));
        if (!quiet) {
            log.info("stickylb stopped");
        }
    }

    /**
     * No request in flight and no connection closing gently (an answer, FIN, then the client's bytes dropped): the
     * cut-off would reset such a connection, and a reset can destroy the answer before the client reads it. An
     * exchange that ends hands its connection to the linger in the same event-loop task, after it stopped counting as
     * in flight, so a zero is trusted only once every loop finished the task it was running.
     */
    private boolean drained() {
        if (runtime.activeExchanges() > 0 || runtime.lingeringConnections() > 0) {
            return false;
        }
        workers.forEach(loop -> loop.submit(() -> { }).awaitUninterruptibly(1, TimeUnit.SECONDS));
        return runtime.activeExchanges() == 0 && runtime.lingeringConnections() == 0;
    }

    /** Undoes a start that failed after the event loops and the name lookups began. */
    private void abandonStart() {
        addresses.close();
        releaseLoops(Duration.ZERO);
    }

    /**
     * Shuts down this instance's own event loops once their idle backend connections have closed; borrowed loops keep
     * running and only lose this one's pools.
     */
    private void releaseLoops(Duration timeout) {
        if (loopOwner == null) {
            timerSentinel.remove();
            if (runtime.connections() != null) {
                runtime.connections().closeAllIdle(timeout);
            }
            workers.shutdownGracefully(0, timeout.toMillis(), TimeUnit.MILLISECONDS).syncUninterruptibly();
        } else if (runtime.connections() != null) {
            runtime.upstreams().allBackends().forEach(runtime.connections()::closeAll);
        }
    }

    /**
     * Adds every accepted client channel to the group, so shutdown can reach idle keep-alive connections, and refuses
     * connections beyond {@code limits.max-connections} with a 503, or on a TLS listener a close (existing connections
     * are unaffected).
     */
    private static final class ClientTracker extends io.netty.channel.ChannelInitializer<SocketChannel> {
        private static final byte[] OVERLOADED = ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                + "Content-Length: 24\r\nConnection: close\r\n\r\n503 Service Unavailable\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);

        private final ChannelGroup group;
        private final ProxyServerInitializer delegate;
        private final ProxyRuntime runtime;
        private final ClientConnections connections;

        ClientTracker(ChannelGroup group, ProxyServerInitializer delegate, ProxyRuntime runtime,
                ClientConnections connections) {
            this.group = group;
            this.delegate = delegate;
            this.runtime = runtime;
            this.connections = connections;
        }

        @Override
        protected void initChannel(SocketChannel ch) {
            int limit = runtime.config().limits().maxConnections();
            if (!connections.tryOpen(limit)) {
                connections.refused(ch.remoteAddress(), limit, ch.eventLoop());
                if (runtime.config().tls() != null) {
                    // A TLS client reads a plain-text 503 as a broken record ("wrong version number"), as if the port
                    // did not speak TLS; a handshake to send it in would spend CPU just when the proxy is overloaded.
                    ch.close();
                    return;
                }
                ch.writeAndFlush(io.netty.buffer.Unpooled.wrappedBuffer(OVERLOADED))
                        .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
                return;
            }
            ch.closeFuture().addListener(f -> connections.closed());
            group.add(ch);
            // Named: for an unnamed handler Netty builds a name per connection (WeakHashMap lookup, StringBuilder).
            ch.pipeline().addLast("proxy-init", delegate);
        }
    }
}
