package io.stickylb.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.stickylb.backend.BackendAddresses;
import io.stickylb.config.AccessLogConfig;
import io.stickylb.config.AdminConfig;
import io.stickylb.config.BackendConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.config.RouteConfig;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Backends configured by host name: looked up off the event loops, before serving and then every refresh, and
 * followed when the name moves. The lookups are injected so a test can make one slow, move a name or make it fail.
 */
class BackendHostNamesTest {

    private static final Duration REFRESH = Duration.ofMillis(50);
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<HttpServer> servers = new java.util.ArrayList<>();
    private final List<ExecutorService> serverThreads = new java.util.ArrayList<>();
    private LoadBalancer lb;

    @AfterEach
    void stop() {
        if (lb != null) {
            lb.close(Duration.ZERO);
        }
        servers.forEach(s -> s.stop(0));
        serverThreads.forEach(ExecutorService::shutdownNow);
    }

    @Test
    void aSlowLookupNeverHoldsUpAnEventLoopAndItsBackendServesOnceResolved() throws Exception {
        int named = answering("named", new InetSocketAddress("127.0.0.1", 0));
        int plain = answering("plain", new InetSocketAddress("127.0.0.1", 0));
        CountDownLatch dnsAnswers = new CountDownLatch(1);
        Set<String> lookupThreads = ConcurrentHashMap.newKeySet();
        BackendAddresses.Lookup slowDns = host -> {
            lookupThreads.add(Thread.currentThread().getName());
            if (!host.equals("localhost")) {
                throw new UnknownHostException(host);
            }
            try {
                dnsAnswers.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new InetAddress[] {InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1})};
        };
        // One event loop: a lookup made on it would hold up the plain pool's requests too. The name is one the JVM
        // resolves at once, so a connect that looked it up itself (on the loop) would succeed where it must fail.
        LoadBalancerConfig config = twoPools(new Endpoint("localhost", named), plain)
                .withAdmin(new AdminConfig(new Endpoint("127.0.0.1", 0), null));
        lb = new LoadBalancer(config).resolveNamesWith(slowDns, REFRESH, Duration.ofMillis(100)).start();
        assertThat(resolvedInAdminApi("named")).as("the admin API shows the name unresolved").isEqualTo("null");
        assertThat(lb.scrapeMetrics()).containsPattern(metric("address_resolved", "n1") + " 0\\.0")
                .containsPattern(metric("address_resolved", "p1") + " 1\\.0");

        assertThat(get("/plain/x")).isEqualTo("200 plain");
        assertThat(get("/named/x")).as("a name not resolved yet: the connect fails at once")
                .isEqualTo("502 502 Bad Gateway");
        assertThat(get("/plain/y")).isEqualTo("200 plain");
        assertThat(lookupThreads).containsExactly("stickylb-resolver");

        dnsAnswers.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> get("/named/x").equals("200 named"));
        assertThat(get("/plain/z")).isEqualTo("200 plain");
        assertThat(resolvedInAdminApi("named")).isEqualTo("127.0.0.1");
        assertThat(lb.scrapeMetrics()).containsPattern(metric("address_resolved", "n1") + " 1\\.0");
    }

    @Test
    void aNameThatMovesIsFollowedAndOneThatStopsResolvingKeepsItsLastAddress() throws Exception {
        CountDownLatch slowAnswer = new CountDownLatch(1);
        int port = answering("first", new InetSocketAddress("127.0.0.1", 0), slowAnswer);
        answering("second", new InetSocketAddress("127.0.0.2", port), slowAnswer);
        AtomicReference<byte[]> dns = new AtomicReference<>(new byte[] {127, 0, 0, 1});
        AtomicInteger lookups = new AtomicInteger();
        BackendAddresses.Lookup movingDns = host -> {
            lookups.incrementAndGet();
            byte[] a = dns.get();
            if (a == null) {
                throw new UnknownHostException(host);
            }
            return new InetAddress[] {InetAddress.getByAddress(host, a)};
        };
        // One event loop, so every request meets the same pool of backend connections.
        LoadBalancerConfig config = TestConfigs.single(PoolConfig.of("app", "round-robin",
                List.of(new BackendConfig("b1", new Endpoint("app.internal", port), 1)))).withWorkers(1);
        lb = new LoadBalancer(config).resolveNamesWith(movingDns, REFRESH, Duration.ofSeconds(5)).start();
        for (int i = 0; i < 5; i++) {
            assertThat(get("/")).isEqualTo("200 first");
        }
        awaitLookups(lookups, 3);
        assertThat(get("/")).isEqualTo("200 first");
        assertThat(lb.upstreams().allBackends().get(0).stats().connectionsOpened.sum())
                .as("an unchanged answer keeps the kept-alive connection").isEqualTo(1);

        // A request in flight while the name moves: its connection is busy then, and must not be pooled after it.
        CompletableFuture<String> inFlight = CompletableFuture.supplyAsync(() -> uncheckedGet("/slow"));
        await().atMost(Duration.ofSeconds(10)).until(() -> lb.runtime().activeExchanges() == 1);
        // Meanwhile a second connection, idle in the pool once this answer is read.
        assertThat(get("/")).isEqualTo("200 first");
        dns.set(new byte[] {127, 0, 0, 2});
        awaitLookups(lookups, 2);
        // The idle connection to the old address was closed when the name moved: the next request connects anew.
        assertThat(get("/")).isEqualTo("200 second");
        slowAnswer.countDown();
        assertThat(inFlight.get(10, TimeUnit.SECONDS)).isEqualTo("200 first");
        for (int i = 0; i < 5; i++) {
            assertThat(get("/")).isEqualTo("200 second");
        }

        dns.set(null);
        awaitLookups(lookups, 3);
        for (int i = 0; i < 5; i++) {
            assertThat(get("/")).as("a failed lookup keeps the last address").isEqualTo("200 second");
        }
        assertThat(lb.scrapeMetrics()).doesNotContainPattern(metric("lookup_failures_total", "b1") + " 0\\.0")
                .containsPattern(metric("lookup_failures_total", "b1") + " \\d+\\.0")
                .containsPattern(metric("address_resolved", "b1") + " 1\\.0");
    }

    private static void awaitLookups(AtomicInteger lookups, int more) {
        int before = lookups.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> lookups.get() >= before + more);
    }

    @Test
    void aReloadThatNamesABackendHasItLookedUpAtOnce() throws Exception {
        int first = answering("first", new InetSocketAddress("127.0.0.1", 0));
        int second = answering("second", new InetSocketAddress("127.0.0.1", 0));
        LoadBalancerConfig config = TestConfigs.roundRobin(first);
        // Refreshes an hour apart: only the lookup a reload asks for can resolve the new name in time.
        lb = new LoadBalancer(config)
                .resolveNamesWith(InetAddress::getAllByName, Duration.ofHours(1), Duration.ofSeconds(5))
                .start();
        assertThat(get("/")).isEqualTo("200 first");

        lb.reload(TestConfigs.single(PoolConfig.of("app", "round-robin",
                List.of(new BackendConfig("b1", new Endpoint("localhost", second), 1)))));
        await().atMost(Duration.ofSeconds(10)).until(() -> get("/").equals("200 second"));
    }

    @Test
    void localhostResolvesThroughTheJvmsResolver() throws Exception {
        int port = answering("local", new InetSocketAddress("127.0.0.1", 0));
        LoadBalancerConfig config = TestConfigs.single(PoolConfig.of("app", "round-robin",
                List.of(new BackendConfig("b1", new Endpoint("localhost", port), 1))));
        lb = new LoadBalancer(config).start();
        assertThat(get("/")).isEqualTo("200 local");
    }

    /** Pool "named" (one backend at {@code named}) under /named, pool "plain" (127.0.0.1) for the rest; one loop. */
    private static LoadBalancerConfig twoPools(Endpoint named, int plainPort) {
        PoolConfig namedPool = PoolConfig.of("named", "round-robin", List.of(new BackendConfig("n1", named, 1)));
        PoolConfig plainPool = PoolConfig.of("plain", "round-robin", List.of(TestConfigs.backend("p1", plainPort)));
        return new LoadBalancerConfig(null, new Endpoint("127.0.0.1", 0), 1,
                Map.of("named", namedPool, "plain", plainPool),
                List.of(new RouteConfig("*", "/named", "named"), new RouteConfig("*", "/", "plain")),
                List.of(), null, AccessLogConfig.OFF, null, Duration.ofSeconds(5));
    }

    private int answering(String body, InetSocketAddress address) throws IOException {
        return answering(body, address, new CountDownLatch(0));
    }

    /**
     * A keep-alive HTTP server at {@code address} answering every request with {@code body}, those for /slow once
     * {@code slow} is open; its port.
     */
    private int answering(String body, InetSocketAddress address, CountDownLatch slow) throws IOException {
        HttpServer server = HttpServer.create(address, 0);
        ExecutorService threads = Executors.newCachedThreadPool();
        serverThreads.add(threads);
        server.setExecutor(threads);
        byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            if (exchange.getRequestURI().getPath().equals("/slow")) {
                try {
                    slow.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        servers.add(server);
        return server.getAddress().getPort();
    }

    /** A pattern for the Prometheus sample of {@code stickylb_backend_NAME} for backend {@code id}, up to its value. */
    private static String metric(String name, String id) {
        return "stickylb_backend_" + name + "\\{[^}]*backend=\"" + id + "\"[^}]*}";
    }

    /** The {@code resolved} field of the first backend of {@code pool} in the admin API's pool view. */
    private String resolvedInAdminApi(String pool) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + lb.adminAddress().getPort() + "/api/pools")).build(), HttpResponse.BodyHandlers.ofString());
        for (JsonNode p : new ObjectMapper().readTree(r.body()).get("pools")) {
            if (p.get("name").asText().equals(pool)) {
                return p.get("backends").get(0).get("resolved").toString().replace("\"", "");
            }
        }
        throw new AssertionError("no pool " + pool + " in " + r.body());
    }

    private String uncheckedGet(String path) {
        try {
            return get(path);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** "STATUS BODY" of a GET through the proxy; the proxy's own error pages give their first line. */
    private String get(String path) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lb.port() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body().lines().findFirst().orElse("");
    }
}
