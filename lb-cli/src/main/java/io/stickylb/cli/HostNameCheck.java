package io.stickylb.cli;

import io.netty.util.NetUtil;
import io.stickylb.backend.BackendAddresses;
import io.stickylb.config.BackendConfig;
import io.stickylb.config.Durations;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.PoolConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * For {@code lb validate}: looks each backend host name up once, all at the same time and within one bound, and says
 * which do not resolve here and now. A warning, not an error: the file may be meant for a host whose DNS knows them,
 * and {@code lb run} starts without them too (their connections fail until they resolve).
 */
final class HostNameCheck {

    /** The whole check's bound: a slow DNS server should not make a config check hang. */
    static final Duration BOUND = Duration.ofSeconds(2);
    /** Lookups block their thread (the JVM's resolver cannot be interrupted); a few at a time is plenty. */
    private static final int MAX_THREADS = 8;

    private final BackendAddresses.Lookup lookup;
    private final Duration bound;

    HostNameCheck() {
        this(InetAddress::getAllByName, BOUND);
    }

    /** With another resolver and bound (tests: a resolver that never answers). */
    HostNameCheck(BackendAddresses.Lookup lookup, Duration bound) {
        this.lookup = lookup;
        this.bound = bound;
    }

    /** One warning per backend whose host name did not resolve, in file order; IP addresses are not looked up. */
    List<String> warnings(LoadBalancerConfig config) throws InterruptedException {
        Map<String, Future<String>> answers = new LinkedHashMap<>();
        ExecutorService threads = Executors.newFixedThreadPool(MAX_THREADS, r -> {
            Thread t = new Thread(r, "stickylb-validate-lookup");
            // A lookup stuck past the bound must not keep the JVM alive.
            t.setDaemon(true);
            return t;
        });
        List<String> warnings = new ArrayList<>();
        try {
            for (PoolConfig pool : config.pools().values()) {
                for (BackendConfig backend : pool.backends()) {
                    String host = backend.address().host();
                    if (!NetUtil.isValidIpV4Address(host) && !NetUtil.isValidIpV6Address(host)) {
                        answers.computeIfAbsent(host, h -> threads.submit(() -> failure(h)));
                    }
                }
            }
            long deadline = System.nanoTime() + bound.toNanos();
            for (PoolConfig pool : config.pools().values()) {
                for (BackendConfig backend : pool.backends()) {
                    Future<String> answer = answers.get(backend.address().host());
                    String failure = answer == null ? null : await(answer, deadline);
                    if (failure != null) {
                        warnings.add("pool '" + pool.name() + "': backend " + backend.id() + " host \""
                                + backend.address().host() + "\" does not resolve: " + failure
                                + " (lb run fails its connections until it does)");
                    }
                }
            }
        } finally {
            threads.shutdownNow();
        }
        return warnings;
    }

    /** Why {@code host} did not resolve, or null when it did. */
    private String failure(String host) {
        try {
            InetAddress[] addresses = lookup.lookup(host);
            return addresses == null || addresses.length == 0 ? "no address" : null;
        } catch (UnknownHostException e) {
            // The JVM's message repeats the name: "api.internal: Name or service not known".
            String message = e.getMessage();
            return message == null ? "unknown host" : message.startsWith(host + ": ")
                    ? message.substring(host.length() + 2) : message;
        } catch (RuntimeException e) {
            return ErrorHandler.describe(e);
        }
    }

    private String await(Future<String> answer, long deadline) throws InterruptedException {
        try {
            return answer.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return "no answer within " + Durations.format(bound);
        } catch (ExecutionException e) {
            return ErrorHandler.describe(e.getCause());
        }
    }
}
