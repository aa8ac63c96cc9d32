package io.stickylb.sample;

import io.stickylb.sample.capacity.ServiceTime;
import io.stickylb.sample.capacity.ServiceTimeDistribution;
import io.stickylb.sample.session.SessionStore;
import io.stickylb.sample.session.SessionStores;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How to run one {@link SampleBackend}; build it with {@link #builder(String)}, whose defaults are loopback, a free
 * port, in-memory sessions with a 30-minute time to live, no service time and unlimited concurrency.
 *
 * @param id                      the backend id, echoed as {@code backend} and {@code X-Backend-Id}
 * @param host                    the address to bind
 * @param port                    the port to bind, 0 for a free one
 * @param jvmRoute                appended to session ids as {@code .jvmRoute} like Tomcat, or {@code null}
 * @param sessionStore            {@code memory} or {@code redis://HOST:PORT}; the backend opens and closes it
 * @param sharedStore             a store the caller owns and closes, used instead of {@code sessionStore}, or
 *                                {@code null}
 * @param sessionTtl              how long a session lives without requests
 * @param serviceTime             how long a request keeps its slot busy (the mean for exponential)
 * @param serviceTimeDistribution fixed or exponential service times
 * @param maxConcurrency          requests served at once, the rest queue FIFO; 0 for unlimited
 * @param seed                    seeds exponential service times; {@code null} derives one from the id
 * @param threads                 event loop threads
 */
public record SampleBackendOptions(String id, String host, int port, String jvmRoute, String sessionStore,
        SessionStore sharedStore, Duration sessionTtl, Duration serviceTime,
        ServiceTimeDistribution serviceTimeDistribution, int maxConcurrency, Long seed, int threads) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final Duration DEFAULT_SESSION_TTL = Duration.ofMinutes(30);
    private static final Pattern JVM_ROUTE = Pattern.compile("[A-Za-z0-9_-]+");

    public SampleBackendOptions {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("backend id must not be blank");
        }
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " (expected: 0..65535)");
        }
        // The route ends up in a Set-Cookie value (RFC 6265 cookie-octets, no space or comma) and must match a
        // stickylb route name; a '.' would be taken for the start of the route when the id is stripped.
        if (jvmRoute != null && !JVM_ROUTE.matcher(jvmRoute).matches()) {
            throw new IllegalArgumentException("jvm route '" + jvmRoute + "' (expected: letters, digits, '_' or '-')");
        }
        if (sharedStore == null) {
            SessionStores.validate(sessionStore);
        }
        if (sessionTtl == null || sessionTtl.isNegative() || sessionTtl.isZero()) {
            throw new IllegalArgumentException("session ttl must be positive: " + sessionTtl);
        }
        if (serviceTime == null || serviceTime.isNegative()) {
            throw new IllegalArgumentException("service time must not be negative: " + serviceTime);
        }
        Objects.requireNonNull(serviceTimeDistribution, "serviceTimeDistribution");
        if (maxConcurrency < 0) {
            throw new IllegalArgumentException("max concurrency must be 0 (unlimited) or more: " + maxConcurrency);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1: " + threads);
        }
    }

    /** Defaults for backend {@code id}: loopback, free port, in-memory sessions. */
    public static Builder builder(String id) {
        return new Builder(id);
    }

    /** Shorthand for {@code builder(id).build()}. */
    public static SampleBackendOptions of(String id) {
        return builder(id).build();
    }

    /** The seed in force: the configured one, else one derived from the id so backends differ but repeat. */
    public long effectiveSeed() {
        return seed != null ? seed : id.hashCode();
    }

    /** The service time model these options describe. */
    public ServiceTime serviceTimeModel() {
        return ServiceTime.of(serviceTime, serviceTimeDistribution, effectiveSeed());
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder(id);
        b.host = host;
        b.port = port;
        b.jvmRoute = jvmRoute;
        b.sessionStore = sessionStore;
        b.sharedStore = sharedStore;
        b.sessionTtl = sessionTtl;
        b.serviceTime = serviceTime;
        b.serviceTimeDistribution = serviceTimeDistribution;
        b.maxConcurrency = maxConcurrency;
        b.seed = seed;
        b.threads = threads;
        return b;
    }

    /** Mutable builder for {@link SampleBackendOptions}; {@link #build()} validates. */
    public static final class Builder {

        private String id;
        private String host = DEFAULT_HOST;
        private int port;
        private String jvmRoute;
        private String sessionStore = SessionStores.MEMORY;
        private SessionStore sharedStore;
        private Duration sessionTtl = DEFAULT_SESSION_TTL;
        private Duration serviceTime = Duration.ZERO;
        private ServiceTimeDistribution serviceTimeDistribution = ServiceTimeDistribution.FIXED;
        private int maxConcurrency;
        private Long seed;
        private int threads = 1;

        private Builder(String id) {
            this.id = id;
        }

        public Builder id(String id) {
            this.id = id;
            return this;
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder jvmRoute(String jvmRoute) {
            this.jvmRoute = jvmRoute;
            return this;
        }

        /** {@code memory} or {@code redis://HOST:PORT}. */
        public Builder sessionStore(String spec) {
            this.sessionStore = spec;
            this.sharedStore = null;
            return this;
        }

        /** A store the caller owns, e.g. one shared by several in-process backends; it is not closed by stop. */
        public Builder sessionStore(SessionStore store) {
            this.sharedStore = store;
            return this;
        }

        public Builder sessionTtl(Duration ttl) {
            this.sessionTtl = ttl;
            return this;
        }

        public Builder serviceTime(Duration serviceTime) {
            this.serviceTime = serviceTime;
            return this;
        }

        public Builder serviceTime(Duration serviceTime, ServiceTimeDistribution distribution) {
            this.serviceTime = serviceTime;
            this.serviceTimeDistribution = distribution;
            return this;
        }

        public Builder serviceTimeDistribution(ServiceTimeDistribution distribution) {
            this.serviceTimeDistribution = distribution;
            return this;
        }

        public Builder maxConcurrency(int maxConcurrency) {
            this.maxConcurrency = maxConcurrency;
            return this;
        }

        public Builder seed(Long seed) {
            this.seed = seed;
            return this;
        }

        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        public SampleBackendOptions build() {
            return new SampleBackendOptions(id, host, port, jvmRoute, sessionStore, sharedStore, sessionTtl,
                    serviceTime, serviceTimeDistribution, maxConcurrency, seed, threads);
        }
    }
}
