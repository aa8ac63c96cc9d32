package io.stickylb.cli;

import com.sun.management.UnixOperatingSystemMXBean;
import io.stickylb.config.LimitsConfig;
import io.stickylb.config.LoadBalancerConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.helpers.NOPLogger;

/**
 * Fits {@code limits.max-connections} to the process's file-descriptor limit ({@code ulimit -n}) when {@code lb run}
 * starts or reloads, and when {@code lb demo} starts. Past the limit, accepts and backend connects fail (EMFILE) while
 * the proxy looks healthy, so it is settled up front, as HAProxy does: the default (10,000) is lowered to what fits,
 * with a line in the log; a value the operator chose is kept, with a warning.
 */
final class DescriptorAdvice {

    /** Descriptors a client may need in {@code lb run}: its own connection and its backend connection. */
    static final int PER_CLIENT = 2;
    /** In {@code lb demo} the sample backends share the process, so each backend connection is two descriptors. */
    static final int PER_CLIENT_WITH_LOCAL_BACKENDS = 3;

    /** Descriptors each event loop holds for itself (epoll, its wake-up eventfd and timerfd). */
    static final int PER_LOOP = 3;
    /** Listening sockets: the client and admin listeners, and the JIT warm-up's listener and responder. */
    static final int LISTENERS = 4;

    private DescriptorAdvice() {
    }

    /**
     * What the running proxy opens for itself after the start's count: its worker loops and the admin loop, and the
     * listeners. Left out, the fitted default could be reached with every client mid-request and still run out.
     */
    static int runtimeReserve(LoadBalancerConfig config) {
        return PER_LOOP * (config.effectiveWorkers() + 1) + LISTENERS;
    }

    /**
     * The fit for one run, to apply to its config at start and to every reloaded one: the descriptors open now, before
     * the listener opens, are counted as the process's own for the whole run.
     */
    static UnaryOperator<LoadBalancerConfig> atStart(int perClient, Logger log) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (!(os instanceof UnixOperatingSystemMXBean unix)) {
            return UnaryOperator.identity();
        }
        // Counted once: at a reload the descriptors open include the clients' and their backend connections, for
        // which perClient already provides, so a recount lowered the default by one client per two open descriptors
        // and kept refusing newcomers after those clients had left. The limit itself is read again (prlimit may
        // raise it).
        long openAtStart = unix.getOpenFileDescriptorCount();
        AtomicReference<List<Object>> lastSaid = new AtomicReference<>();
        return config -> {
            long limit = unix.getMaxFileDescriptorCount();
            int backends = config.pools().values().stream().mapToInt(p -> p.backends().size()).sum();
            // Said once per situation: a reload that changes none of what the advice depends on repeated it each time.
            List<Object> situation = List.of(config.limits().maxConnections(), limit, backends,
                    config.effectiveWorkers());
            Logger sink = situation.equals(lastSaid.getAndSet(situation)) ? NOPLogger.NOP_LOGGER : log;
            return fit(config, perClient, openAtStart, limit, sink);
        };
    }

    /**
     * The worst case counted: every client mid-request with a backend connection of its own ({@code perClient}
     * descriptors each), one health-check connection per backend, the {@code openAtStart} descriptors the process
     * held before it started serving (class path, logs, sample backends) and those the running proxy holds for
     * itself ({@link #runtimeReserve}).
     */
    static LoadBalancerConfig fit(LoadBalancerConfig config, int perClient, long openAtStart, long limit, Logger log) {
        int max = config.limits().maxConnections();
        int backends = config.pools().values().stream().mapToInt(p -> p.backends().size()).sum();
        long own = openAtStart + runtimeReserve(config) + backends;
        long need = own + (long) perClient * max;
        if (limit <= 0 || need <= limit) {
            return config;
        }
        int fits = (int) Math.max(1, (limit - own) / perClient);
        if (max == LimitsConfig.DEFAULTS.maxConnections()) {
            log.info("limits.max-connections: {} instead of the default {}, to fit this process's limit of {} open "
                    + "files (ulimit -n; {} per client at most, {} for the process itself); raise the limit or set "
                    + "limits.max-connections to choose", fits, max, limit, perClient, own);
            return config.withLimits(config.limits().withMaxConnections(fits));
        }
        log.warn("limits.max-connections {} may need {} file descriptors ({} per client: a client and a backend "
                + "connection each; {} for the process itself: what it held at start, its event loops and listeners, "
                + "one per backend for health checks), but this process may open {} (ulimit -n); past that, new "
                + "connections fail. Raise the limit (ulimit -n, or LimitNOFILE= in a systemd unit) or set "
                + "limits.max-connections to at most {}", max, need, perClient, own, limit, fits);
        return config;
    }
}
