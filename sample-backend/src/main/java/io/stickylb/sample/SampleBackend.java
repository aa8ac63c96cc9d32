package io.stickylb.sample;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.stickylb.sample.session.SessionStore;
import io.stickylb.sample.session.SessionStores;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sample backend in this JVM: {@link #start()} binds it, {@link #stop()} (or {@link #close()}) shuts it down.
 * Not thread-confined, but {@code stop()} must not be called from one of its own event loops.
 */
public final class SampleBackend implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SampleBackend.class);

    private final SampleBackendOptions options;
    private final StatsCounters counters = new StatsCounters();
    private final AtomicBoolean healthy = new AtomicBoolean(true);
    private EventLoopGroup group;
    private ChannelGroup channels;
    private Channel listener;
    private SessionStore store;
    private BackendContext context;
    private boolean started;

    public SampleBackend(SampleBackendOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /** Shorthand: a backend with default options for {@code id}, already started on a free loopback port. */
    public static SampleBackend startNew(String id) {
        SampleBackend backend = new SampleBackend(SampleBackendOptions.of(id));
        backend.start();
        return backend;
    }

    /**
     * Opens the session store and binds; returns the bound address. Throws {@link PortInUseException} when the port
     * is taken and {@link io.stickylb.sample.session.SessionStoreException} when the store cannot be reached.
     */
    public synchronized InetSocketAddress start() {
        if (started) {
            throw new IllegalStateException("backend " + options.id() + " was already started");
        }
        started = true;
        boolean ownsStore = options.sharedStore() == null;
        store = ownsStore
                ? SessionStores.open(options.sessionStore(), options.id(), options.sessionTtl())
                : options.sharedStore();
        Transport transport = Transport.best();
        group = transport.newGroup(options.threads(), "sample-" + options.id());
        channels = new DefaultChannelGroup("sample-" + options.id(), GlobalEventExecutor.INSTANCE);
        context = new BackendContext(options, store, counters, healthy, channels);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new HttpInitializer(context));
        try {
            listener = bootstrap.bind(options.host(), options.port()).syncUninterruptibly().channel();
        } catch (Exception e) {
            shutdownGroup();
            if (ownsStore) {
                store.close();
            }
            if (isAddressInUse(e)) {
                throw new PortInUseException(options.host(), options.port(), e);
            }
            throw e;
        }
        log.info("sample-backend {} listening on {}:{} ({} transport, {} sessions, {} thread{})", options.id(),
                options.host(), port(), transport.name().toLowerCase(java.util.Locale.ROOT), store.kind(),
                options.threads(), options.threads() == 1 ? "" : "s");
        return address();
    }

    /** The bound address; only after {@link #start()}. */
    public synchronized InetSocketAddress address() {
        if (listener == null) {
            throw new IllegalStateException("backend " + options.id() + " is not started");
        }
        return (InetSocketAddress) listener.localAddress();
    }

    /** The bound port; only after {@link #start()}. */
    public int port() {
        return address().getPort();
    }

    /** {@code http://host:port} of the running backend, IPv6 hosts in brackets. */
    public String baseUrl() {
        String host = options.host();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
    }

    public String id() {
        return options.id();
    }

    public SampleBackendOptions options() {
        return options;
    }

    /** Whether it has been started and not stopped yet. */
    public synchronized boolean isRunning() {
        return listener != null;
    }

    /** Forces {@code /health} to 503 ({@code false}) or back to 200 ({@code true}). */
    public void setHealthy(boolean healthy) {
        this.healthy.set(healthy);
    }

    public boolean isHealthy() {
        return healthy.get();
    }

    /** A snapshot of the counters; all zero before {@link #start()}. */
    public synchronized BackendStats stats() {
        if (context != null) {
            return context.stats();
        }
        return new BackendStats(options.id(), 0, 0, 0, 0, 0, 0, 0, 0);
    }

    /** Closes the listener and every connection, then the store if this backend opened it; idempotent. */
    public synchronized void stop() {
        if (listener == null) {
            return;
        }
        context.stopping = true;
        listener.close().syncUninterruptibly();
        listener = null;
        channels.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        shutdownGroup();
        if (options.sharedStore() == null) {
            store.close();
        }
        log.info("sample-backend {} stopped", options.id());
    }

    @Override
    public void close() {
        stop();
    }

    private void shutdownGroup() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private static boolean isAddressInUse(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException || String.valueOf(t.getMessage()).contains("Address already in use")) {
                return true;
            }
        }
        return false;
    }
}
