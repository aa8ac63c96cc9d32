package io.stickylb.affinity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.config.AffinityConfig;
import io.stickylb.config.BackendConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.routing.AffinityOutcome;
import io.stickylb.sample.SampleBackend;
import io.stickylb.sample.SampleBackendOptions;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Three real sample backends (with {@code .jvmRoute} session suffixes) behind in-process stickylb instances using
 * {@code strategy: cookie}, and browser-like clients that keep cookies. Closes everything it started.
 */
final class AffinityCluster implements AutoCloseable {

    static final String SECRET = "e2e-secret-5f1c9a";
    private static final ObjectMapper JSON = new ObjectMapper();

    final List<SampleBackend> backends = new ArrayList<>();
    final List<LoadBalancer> balancers = new ArrayList<>();

    AffinityCluster() {
        for (int i = 1; i <= 3; i++) {
            SampleBackend b = new SampleBackend(SampleBackendOptions.builder("b" + i).jvmRoute("b" + i).build());
            b.start();
            backends.add(b);
        }
    }

    PoolConfig pool(AffinityConfig.Mode mode, PoolConfig.OnUnavailable onUnavailable) {
        List<BackendConfig> configs = new ArrayList<>();
        for (SampleBackend b : backends) {
            configs.add(TestConfigs.backend(b.id(), b.port()));
        }
        AffinityConfig d = AffinityConfig.DEFAULTS;
        AffinityConfig affinity = new AffinityConfig(mode, d.name(), d.cookieName(), List.of(SECRET), d.path(),
                d.domain(), d.httpOnly(), d.secure(), d.sameSite(), d.maxAge(), Duration.ofMinutes(30),
                Duration.ZERO, d.maxEntries(), d.ttl());
        return new PoolConfig("app", "cookie", configs, null, null, 0, null, null, affinity, "round-robin",
                onUnavailable, null, true, null, null, null);
    }

    LoadBalancer start(PoolConfig pool) {
        LoadBalancer lb = new LoadBalancer(TestConfigs.single(pool)).start();
        balancers.add(lb);
        return lb;
    }

    SampleBackend backend(String id) {
        return backends.stream().filter(b -> b.id().equals(id)).findFirst().orElseThrow();
    }

    static BackendPool poolOf(LoadBalancer lb) {
        return lb.upstreams().pool("app");
    }

    /** An outcome counted over all backends of an instance. */
    static long affinity(LoadBalancer lb, AffinityOutcome outcome) {
        long n = 0;
        for (Backend b : poolOf(lb).backends()) {
            n += b.stats().affinity(outcome);
        }
        return n;
    }

    static long affinity(LoadBalancer lb, String backendId, AffinityOutcome outcome) {
        return poolOf(lb).backend(backendId).orElseThrow().stats().affinity(outcome);
    }

    @Override
    public void close() {
        balancers.forEach(LoadBalancer::close);
        backends.forEach(SampleBackend::stop);
    }

    /** A browser: one cookie jar (cookies are per host, not per port, so it shares them between instances). */
    static final class Browser {
        final CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .cookieHandler(cookies).connectTimeout(Duration.ofSeconds(5)).build();

        Page get(LoadBalancer lb) throws IOException, InterruptedException {
            return get(lb, "/");
        }

        Page get(LoadBalancer lb, String path) throws IOException, InterruptedException {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lb.port() + path))
                    .timeout(Duration.ofSeconds(10)).GET().build();
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode body = r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
            return new Page(r.statusCode(), body, r.headers().allValues("set-cookie"));
        }

        String cookie(String name) {
            return cookies.getCookieStore().getCookies().stream().filter(c -> c.getName().equals(name))
                    .map(HttpCookie::getValue).findFirst().orElse(null);
        }

        /** Replaces the value of a stored cookie, keeping its domain and path. */
        void editCookie(String name, UnaryOperator<String> edit) {
            for (URI uri : cookies.getCookieStore().getURIs()) {
                for (HttpCookie c : cookies.getCookieStore().get(uri)) {
                    if (c.getName().equals(name)) {
                        HttpCookie copy = (HttpCookie) c.clone();
                        copy.setValue(edit.apply(c.getValue()));
                        cookies.getCookieStore().remove(uri, c);
                        cookies.getCookieStore().add(uri, copy);
                        return;
                    }
                }
            }
            throw new AssertionError("no cookie " + name);
        }
    }

    /** One response: status, the sample backend's JSON answer (200 only) and the Set-Cookie headers. */
    record Page(int status, JsonNode body, List<String> setCookies) {

        String backend() {
            return body.get("backend").asText();
        }

        String session() {
            return body.get("session").asText();
        }

        boolean sessionNew() {
            return body.get("sessionNew").asBoolean();
        }

        long sessionRequests() {
            return body.get("sessionRequests").asLong();
        }

        boolean sessionLost() {
            return body.get("sessionLost").asBoolean();
        }

        /** The Cookie header the backend received, or "". */
        String cookieSeenByBackend() {
            JsonNode headers = body.get("headers");
            if (headers == null) {
                return "";
            }
            for (var it = headers.fields(); it.hasNext(); ) {
                var e = it.next();
                if (e.getKey().equalsIgnoreCase("cookie")) {
                    return e.getValue().isArray() ? e.getValue().get(0).asText() : e.getValue().asText();
                }
            }
            return "";
        }
    }
}
