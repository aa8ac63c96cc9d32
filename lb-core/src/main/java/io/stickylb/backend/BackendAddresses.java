package io.stickylb.backend;

import io.stickylb.config.Endpoint;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks up the backends configured by host name on a thread of its own, at start, after a reload and every
 * {@link #DEFAULT_REFRESH}, and hands each the address found. A lookup can take seconds (a slow or unreachable DNS
 * server); made on an event loop, as a connect to an unresolved address would be, it stalls every connection of that
 * loop. A name that stops resolving keeps its last address; one that never resolved fails its connections (502, or
 * another backend by the retry policy) until it does. Lookups go through the JVM's resolver, which caches answers for
 * 30 s by default ({@code networkaddress.cache.ttl}). A name with several addresses gives its backend one of them,
 * kept while the name still lists it: DNS servers rotate the order of their answers, and following the first address
 * would close the backend's pooled connections at every rotation.
 */
public final class BackendAddresses implements AutoCloseable {

    /** How often names are looked up again, like Envoy's default {@code dns_refresh_rate}. */
    public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(5);
    /** How long {@link #start} waits for the first lookups before serving without them. */
    public static final Duration DEFAULT_FIRST_WAIT = Duration.ofSeconds(5);

    /** A blocking host-name lookup answering every address of the name; the JVM's by default. */
    @FunctionalInterface
    public interface Lookup {
        InetAddress[] lookup(String host) throws UnknownHostException;
    }

    private static final Logger log = LoggerFactory.getLogger(BackendAddresses.class);

    private final Supplier<? extends Collection<Backend>> backends;
    private final Consumer<Backend> moved;
    private final Lookup lookup;
    private final Duration refresh;
    private final ScheduledExecutorService thread;
    /** Per backend, the last failure reported, so a name that keeps failing is logged once, not every refresh. */
    private final Map<Backend, String> failing = new HashMap<>();
    /** Backends whose name has several addresses and that were told so, so it is logged once, not every refresh. */
    private final Map<Backend, Integer> shared = new HashMap<>();

    /**
     * For the backends {@code backends} lists at each round (the current config's); {@code moved} is told of a
     * backend whose name now resolves to another address (its pooled connections point at the old one).
     */
    public BackendAddresses(Supplier<? extends Collection<Backend>> backends, Consumer<Backend> moved, Lookup lookup,
                            Duration refresh) {
        this.backends = backends;
        this.moved = moved;
        this.lookup = lookup;
        this.refresh = refresh;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stickylb-resolver");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Looks every name up once, waiting up to {@code firstWait} for the answers (on the caller's thread, never an
     * event loop), then keeps them fresh in the background.
     */
    public void start(Duration firstWait) {
        CompletableFuture<Void> first = CompletableFuture.runAsync(this::refreshAll, thread);
        long everyMillis = Math.max(1, refresh.toMillis());
        thread.scheduleWithFixedDelay(this::refreshAll, everyMillis, everyMillis, TimeUnit.MILLISECONDS);
        try {
            first.get(firstWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            List<String> waiting = backends.get().stream().filter(b -> b.socketAddress().isUnresolved())
                    .map(b -> b.poolName() + "/" + b.id() + " (" + b.endpoint().host() + ")").toList();
            log.warn("backend host names still resolving after {} ms: {}; connections to them fail until they "
                    + "resolve", firstWait.toMillis(), String.join(", ", waiting));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            log.warn("backend host-name lookup failed", e.getCause());
        }
    }

    /** Looks names up now (after a reload added some), without waiting. */
    public void refreshSoon() {
        if (!thread.isShutdown()) {
            thread.execute(this::refreshAll);
        }
    }

    private void refreshAll() {
        try {
            refreshEach();
        } catch (RuntimeException e) {
            // A periodic task that throws is never run again: log it and keep the schedule.
            log.warn("backend host-name refresh failed", e);
        }
    }

    private void refreshEach() {
        // One lookup per host and round, however many backends share it.
        Map<String, Object> found = new HashMap<>();
        for (Backend b : backends.get()) {
            if (!b.hasHostName()) {
                continue;
            }
            Endpoint endpoint = b.endpoint();
            Object answer = found.computeIfAbsent(endpoint.host(), this::lookUp);
            if (answer instanceof InetAddress[] addresses) {
                InetSocketAddress before = b.socketAddress();
                InetAddress address = stayOrFirst(before, addresses);
                reportShared(b, endpoint, addresses, address);
                if (b.resolved(endpoint, address)) {
                    reportResolved(b, endpoint, before, address);
                    if (!before.isUnresolved() && b.socketAddress() != before) {
                        moved.accept(b);
                    }
                }
            } else {
                reportFailure(b, endpoint, (String) answer);
            }
        }
        failing.keySet().retainAll(backends.get());
        shared.keySet().retainAll(backends.get());
    }

    /** The backend's current address while the answer still holds it, else the answer's first. */
    private static InetAddress stayOrFirst(InetSocketAddress current, InetAddress[] answer) {
        if (!current.isUnresolved()) {
            for (InetAddress a : answer) {
                if (a.equals(current.getAddress())) {
                    return a;
                }
            }
        }
        return answer[0];
    }

    /** The addresses (at least one), or the reason the lookup failed. */
    private Object lookUp(String host) {
        try {
            InetAddress[] addresses = lookup.lookup(host);
            if (addresses == null || addresses.length == 0 || Arrays.asList(addresses).contains(null)) {
                return "no address";
            }
            return addresses;
        } catch (UnknownHostException e) {
            return "unknown host";
        } catch (RuntimeException e) {
            return e.toString();
        }
    }

    private void reportResolved(Backend b, Endpoint endpoint, InetSocketAddress before, InetAddress address) {
        boolean recovered = failing.remove(b) != null;
        if (before.isUnresolved() || recovered || !before.getAddress().equals(address)) {
            log.info("backend {}/{}: {} resolves to {}{}", b.poolName(), b.id(), endpoint.host(),
                    address.getHostAddress(), before.isUnresolved() ? "" : " (was " + before.getAddress()
                            .getHostAddress() + ")");
        }
    }

    /**
     * Says once (until the count changes) that a backend's name has several addresses and only one is used. Only
     * addresses of the used one's family count: an IPv4 and an IPv6 address (a dual-stack name, or localhost as
     * {@code 127.0.0.1} and {@code ::1}) are one host.
     */
    private void reportShared(Backend b, Endpoint endpoint, InetAddress[] addresses, InetAddress used) {
        List<String> peers = Arrays.stream(addresses).filter(a -> a.getClass() == used.getClass())
                .map(InetAddress::getHostAddress).toList();
        if (peers.size() == 1) {
            shared.remove(b);
            return;
        }
        Integer before = shared.put(b, peers.size());
        if (before != null && before == peers.size()) {
            return;
        }
        log.warn("backend {}/{}: {} has {} addresses ({}); the backend uses one, {}, for as long as the name lists it. "
                + "To spread load over all of them, list each address as a backend of its own", b.poolName(), b.id(),
                endpoint.host(), peers.size(), String.join(", ", peers), used.getHostAddress());
    }

    private void reportFailure(Backend b, Endpoint endpoint, String reason) {
        b.stats().lookupFailures.increment();
        if (reason.equals(failing.put(b, reason))) {
            return;
        }
        InetSocketAddress kept = b.socketAddress();
        log.warn("backend {}/{}: cannot resolve {} ({}); {}", b.poolName(), b.id(), endpoint.host(), reason,
                kept.isUnresolved() || !b.endpoint().equals(endpoint)
                        ? "connections to it fail until it resolves"
                        : "keeping its last address " + kept.getAddress().getHostAddress());
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
