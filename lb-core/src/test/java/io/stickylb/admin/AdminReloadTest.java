package io.stickylb.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.stickylb.config.ConfigLoader;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code POST /api/reload} against an instance started from a YAML file that the test edits. */
class AdminReloadTest {

    @TempDir
    Path dir;

    private final List<FakeBackend> backends = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private Path file;
    private LoadBalancer lb;
    private AdminClient admin;

    @BeforeEach
    void start() throws Exception {
        for (int i = 1; i <= 3; i++) {
            backends.add(FakeBackend.ok("b" + i));
        }
        file = dir.resolve("lb.yaml");
        write(Map.of("b1", 1, "b2", 1));
        lb = new LoadBalancer(ConfigLoader.load(file)).start();
        admin = new AdminClient(lb.adminAddress());
    }

    @AfterEach
    void stop() throws Exception {
        if (lb != null) {
            lb.close();
        }
        for (FakeBackend b : backends) {
            b.close();
        }
    }

    /** Writes the config with these backends (id → weight), in id order. */
    private void write(Map<String, Integer> weights) throws Exception {
        StringBuilder yaml = new StringBuilder("""
                listen: 127.0.0.1:0
                workers: 2
                shutdown-timeout: 5s
                access-log: off
                admin:
                  listen: 127.0.0.1:0
                pools:
                  app:
                    strategy: round-robin
                    backends:
                """);
        weights.keySet().stream().sorted().forEach(id -> yaml
                .append("      - id: ").append(id).append('\n')
                .append("        address: 127.0.0.1:").append(port(id)).append('\n')
                .append("        weight: ").append(weights.get(id)).append('\n'));
        yaml.append("""
                routes:
                  - host: "*"
                    pool: app
                """);
        Files.writeString(file, yaml);
    }

    private int port(String id) {
        return backends.get(Integer.parseInt(id.substring(1)) - 1).port();
    }

    private int get() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lb.port() + "/")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private JsonNode backend(String id) throws Exception {
        for (JsonNode b : admin.get("/api/pools/app").json().get("backends")) {
            if (b.get("id").asText().equals(id)) {
                return b;
            }
        }
        return null;
    }

    @Test
    void reloadAppliesTheEditedFileAndKeepsCountersOfBackendsThatStay() throws Exception {
        for (int i = 0; i < 4; i++) {
            assertThat(get()).isEqualTo(200);
        }
        assertThat(backend("b1").get("requests").asLong()).isEqualTo(2);

        write(Map.of("b1", 5, "b2", 1, "b3", 1));
        AdminClient.Reply r = admin.post("/api/reload");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("reloaded").asBoolean()).isTrue();
        assertThat(r.json().get("source").asText()).isEqualTo(file.toString());
        assertThat(r.json().get("added")).extracting(JsonNode::asText).containsExactly("app/b3");
        assertThat(r.json().get("removed")).isEmpty();

        assertThat(backend("b3")).isNotNull();
        assertThat(backend("b3").get("state").asText()).isEqualTo("UP");
        JsonNode b1 = backend("b1");
        assertThat(b1.get("configuredWeight").asInt()).isEqualTo(5);
        assertThat(b1.get("weight").asInt()).isEqualTo(5);
        assertThat(b1.get("requests").asLong()).isEqualTo(2);
        assertThat(backends.get(2).requests()).isEmpty();
        for (int i = 0; i < 7; i++) {
            assertThat(get()).isEqualTo(200);
        }
        assertThat(backends.get(2).requests()).isNotEmpty();
    }

    @Test
    void aBackendRemovedAndAddedBackByReloadsHasLiveMetricsAndARemovedOneHasNone() throws Exception {
        for (int i = 0; i < 4; i++) {
            assertThat(get()).isEqualTo(200);
        }
        String b1Requests = "stickylb_backend_requests_total{backend=\"b1\",pool=\"app\"} ";
        assertThat(lb.scrapeMetrics()).contains(b1Requests + "2.0");

        write(Map.of("b2", 1));
        assertThat(admin.post("/api/reload").status()).isEqualTo(200);
        assertThat(lb.scrapeMetrics()).as("a removed backend's series go").doesNotContain("backend=\"b1\"");

        write(Map.of("b1", 1, "b2", 1));
        assertThat(admin.post("/api/reload").status()).isEqualTo(200);
        for (int i = 0; i < 8; i++) {
            assertThat(get()).isEqualTo(200);
        }
        assertThat(backend("b1").get("requests").asLong()).isEqualTo(4);
        assertThat(lb.scrapeMetrics()).as("the new b1's own count, not the old one's frozen 2")
                .contains(b1Requests + "4.0");
    }

    @Test
    void settingsThatNeedARestartAreKeptAndNamedInTheReply() throws Exception {
        io.stickylb.pool.Transport running = lb.transport();
        Files.writeString(file, Files.readString(file).replace("workers: 2\n", "workers: 3\ntransport: nio\n"));

        AdminClient.Reply r = admin.post("/api/reload");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("warnings")).extracting(JsonNode::asText).containsExactly(
                "workers changed; the number of event loops changes at the next restart",
                "transport changed to nio; it takes effect at the next restart");
        assertThat(lb.transport()).isEqualTo(running);
        assertThat(get()).isEqualTo(200);
    }

    @Test
    void theReplyCarriesThePoolWarningsLbValidatePrints() throws Exception {
        // README: lb validate's warnings are the ones lb reload prints; those of the pools were missing.
        Files.writeString(file, Files.readString(file).replace("    strategy: round-robin\n",
                "    strategy: cookie\n    affinity: { mode: prefix, max-idle: 5m }\n"));

        AdminClient.Reply r = admin.post("/api/reload");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("warnings")).extracting(JsonNode::asText).containsExactly(
                "pool 'app': no affinity secret configured; using one derived from the pool name, which anyone can"
                        + " compute. Set affinity.secret (the same on every instance) so cookies cannot be forged",
                "pool 'app': affinity max-idle is ignored in prefix mode (the token is only renewed when the"
                        + " application sets its cookie); the application's session timeout applies");
    }

    /** Rewrites the admin section of the file, which {@link #write} starts as {@code listen: 127.0.0.1:0} alone. */
    private void editAdmin(String from, String to) throws Exception {
        String text = Files.readString(file);
        assertThat(text).contains(from);
        Files.writeString(file, text.replace(from, to));
    }

    @Test
    void aTokenAddedOrRotatedByReloadIsTheOneRequiredFromThenOn() throws Exception {
        editAdmin("  listen: 127.0.0.1:0\n", "  listen: 127.0.0.1:0\n  token: first\n");
        AdminClient.Reply added = admin.post("/api/reload");
        assertThat(added.status()).isEqualTo(200);
        assertThat(added.json().path("warnings")).isEmpty();
        AdminClient first = new AdminClient(lb.adminAddress(), "first");
        assertThat(admin.get("/api/pools").status()).isEqualTo(401);
        assertThat(first.get("/api/pools").status()).isEqualTo(200);
        assertThat(http.send(HttpRequest.newBuilder(URI.create(admin.base() + "/")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).contains("data-token-required=\"true\"");

        // A rotation after a leak: the reload is asked for with the old token, which stops working with it.
        editAdmin("  token: first\n", "  token: second\n");
        assertThat(first.post("/api/reload").status()).isEqualTo(200);
        assertThat(first.get("/api/pools").status()).isEqualTo(401);
        assertThat(new AdminClient(lb.adminAddress(), "second").get("/api/pools").status()).isEqualTo(200);
        assertThat(lb.config().admin().token()).isEqualTo("second");
    }

    @Test
    void movingOrRemovingTheAdminListenerNeedsARestartAndTheReplySaysSo() throws Exception {
        java.net.InetSocketAddress running = lb.adminAddress();
        editAdmin("  listen: 127.0.0.1:0\n", "  listen: 127.0.0.2:0\n");
        AdminClient.Reply moved = admin.post("/api/reload");
        assertThat(moved.status()).isEqualTo(200);
        assertThat(moved.json().get("warnings")).extracting(JsonNode::asText).containsExactly(
                "admin.listen changed to 127.0.0.2:0; the admin API still listens on 127.0.0.1:0 until restarted");
        assertThat(lb.adminAddress()).isEqualTo(running);

        editAdmin("admin:\n  listen: 127.0.0.2:0\n", "");
        AdminClient.Reply removed = admin.post("/api/reload");
        assertThat(removed.status()).isEqualTo(200);
        assertThat(removed.json().get("warnings")).extracting(JsonNode::asText).containsExactly(
                "admin removed; the admin API still listens on 127.0.0.1:0 until restarted");
        assertThat(admin.get("/api/pools").status()).isEqualTo(200);
        assertThat(lb.config().admin().listen()).isEqualTo(new io.stickylb.config.Endpoint("127.0.0.1", 0));
    }

    @Test
    void anOperatorsStateSurvivesAReload() throws Exception {
        admin.post("/api/pools/app/backends/b2/maintenance");
        write(Map.of("b1", 1, "b2", 2));
        assertThat(admin.post("/api/reload").status()).isEqualTo(200);
        assertThat(backend("b2").get("state").asText()).isEqualTo("MAINTENANCE");
        assertThat(backend("b2").get("configuredWeight").asInt()).isEqualTo(2);
    }

    @Test
    void aBrokenFileIs400WithFileAndLineAndChangesNothing() throws Exception {
        Files.writeString(file, Files.readString(file).replace("weight: 1\n", "weight: 0\n")
                .replace("address: 127.0.0.1:" + port("b2"), "address: 127.0.0.1:" + port("b3")));
        String text = Files.readString(file);
        int line = text.substring(0, text.indexOf("weight: 0")).split("\n", -1).length;
        AdminClient.Reply r = admin.post("/api/reload");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).startsWith(file + ":" + line + ": ").contains("weight");
        assertThat(backend("b1").get("configuredWeight").asInt()).isEqualTo(1);
        assertThat(backend("b2").get("address").asText()).isEqualTo("127.0.0.1:" + port("b2"));
    }

    @Test
    void aYamlSyntaxErrorIs400AndChangesNothing() throws Exception {
        Files.writeString(file, Files.readString(file) + "  - [unclosed\n");
        AdminClient.Reply r = admin.post("/api/reload");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).startsWith(file + ":");
        assertThat(lb.upstreams().allBackends()).hasSize(2);
    }

    @Test
    void aMissingFileIs400() throws Exception {
        Files.delete(file);
        AdminClient.Reply r = admin.post("/api/reload");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).contains(file.toString());
    }

    @Test
    void aReloadIsAnsweredInOrderWithPipelinedRequests() throws Exception {
        write(Map.of("b1", 1, "b2", 1, "b3", 1));
        try (RawHttp c = new RawHttp(lb.adminAddress().getPort())) {
            c.send("POST /api/reload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"
                    + "GET /api/pools/app HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            RawHttp.Response first = c.read();
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.body()).contains("\"reloaded\"");
            assertThat(c.read().body()).contains("\"b3\"");
        }
    }

    private static int completed(Map<Integer, AtomicInteger> statuses, List<String> failures) {
        return statuses.values().stream().mapToInt(AtomicInteger::get).sum() + failures.size();
    }

    @Test
    void reloadingUnderLoadFailsNoRequest() throws Exception {
        int threads = 4;
        int perThread = 200;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<String> failures = new CopyOnWriteArrayList<>();
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        try {
            List<Future<?>> loops = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                loops.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        try {
                            int status = get();
                            statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                        } catch (Exception e) {
                            failures.add(e.toString());
                        }
                    }
                }));
            }
            List<Map<String, Integer>> generations = List.of(Map.of("b1", 1, "b2", 1, "b3", 1),
                    Map.of("b1", 3, "b2", 1), Map.of("b1", 1, "b3", 2), Map.of("b1", 1, "b2", 1, "b3", 1),
                    Map.of("b1", 2, "b2", 2));
            AtomicInteger done = new AtomicInteger();
            for (Map<String, Integer> g : generations) {
                // Spread the reloads over the run, so each one lands among requests in flight.
                int after = 120 * done.incrementAndGet();
                await().atMost(Duration.ofSeconds(30)).until(() -> completed(statuses, failures) >= after);
                write(g);
                assertThat(admin.post("/api/reload").status()).isEqualTo(200);
            }
            for (Future<?> f : loops) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(failures).isEmpty();
        assertThat(statuses).containsOnlyKeys(200);
        assertThat(statuses.get(200).get()).isEqualTo(threads * perThread);
        assertThat(lb.upstreams().allBackends()).extracting(Object::toString).containsExactly("app/b1", "app/b2");
    }
}
