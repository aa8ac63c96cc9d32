package io.stickylb.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.stickylb.backend.BackendState;
import io.stickylb.config.AdminConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.server.LoadBalancer;
import io.stickylb.server.PortInUseException;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The JSON API against a running instance: shapes, backend actions and their effect on traffic, error statuses. */
class AdminApiTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private FakeBackend one;
    private FakeBackend two;
    private LoadBalancer lb;
    private AdminClient admin;

    @BeforeEach
    void start() throws IOException {
        one = FakeBackend.ok("one");
        two = FakeBackend.ok("two");
        lb = new LoadBalancer(TestConfigs.roundRobin(one.port(), two.port())
                .withAdmin(new AdminConfig(new Endpoint("127.0.0.1", 0), null))).start();
        admin = new AdminClient(lb.adminAddress());
    }

    @AfterEach
    void stop() throws IOException {
        lb.close();
        one.close();
        two.close();
    }

    /** Sends {@code n} requests through the proxy; counts answers per backend body. */
    private Map<String, Integer> traffic(int n) throws Exception {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lb.port() + "/x")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            seen.merge(r.body(), 1, Integer::sum);
        }
        return seen;
    }

    private JsonNode backend(String id) throws Exception {
        for (JsonNode b : admin.get("/api/pools/app").json().get("backends")) {
            if (b.get("id").asText().equals(id)) {
                return b;
            }
        }
        throw new AssertionError("no backend " + id);
    }

    @Test
    void poolsListsEveryPoolWithItsBackendsStatesAndCounters() throws Exception {
        traffic(4);
        AdminClient.Reply r = admin.get("/api/pools");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        JsonNode clients = r.json().get("clients");
        assertThat(clients.get("maxConnections").asInt()).isEqualTo(10_000);
        assertThat(clients.get("accepted").asLong()).isPositive();
        assertThat(clients.get("open").asInt()).isBetween(0, (int) clients.get("accepted").asLong());
        assertThat(clients.get("refused").asLong()).isZero();
        JsonNode pools = r.json().get("pools");
        assertThat(pools).hasSize(1);
        JsonNode app = pools.get(0);
        assertThat(app.get("name").asText()).isEqualTo("app");
        assertThat(app.get("strategy").asText()).isEqualTo("round-robin");
        assertThat(app.get("panic").asBoolean()).isFalse();
        assertThat(app.get("backends")).hasSize(2);
        JsonNode b1 = app.get("backends").get(0);
        assertThat(b1.get("id").asText()).isEqualTo("b1");
        assertThat(b1.get("address").asText()).isEqualTo("127.0.0.1:" + one.port());
        assertThat(b1.get("resolved").asText()).isEqualTo("127.0.0.1");
        assertThat(b1.get("state").asText()).isEqualTo("UP");
        assertThat(b1.get("adminState").asText()).isEqualTo("ENABLED");
        assertThat(b1.get("weight").asInt()).isEqualTo(1);
        assertThat(b1.get("configuredWeight").asInt()).isEqualTo(1);
        assertThat(b1.get("inFlight").asInt()).isZero();
        assertThat(b1.get("requests").asLong()).isEqualTo(2);
        assertThat(b1.get("responses").get("2xx").asLong()).isEqualTo(2);
        assertThat(b1.get("responses").get("5xx").asLong()).isZero();
        assertThat(b1.get("errors").get("connect").asLong()).isZero();
        assertThat(b1.get("affinity").has("hit")).isTrue();
        assertThat(b1.get("affinity").has("broken:down")).isTrue();
        assertThat(b1.get("health").get("healthy").asBoolean()).isTrue();
        assertThat(b1.has("drain")).isFalse();
    }

    @Test
    void onePoolByName() throws Exception {
        AdminClient.Reply r = admin.get("/api/pools/app");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("name").asText()).isEqualTo("app");
        assertThat(r.json().get("backends")).extracting(b -> b.get("id").asText()).containsExactly("b1", "b2");
    }

    @Test
    void maintenanceTakesABackendOutOfTrafficAndEnableBringsItBack() throws Exception {
        AdminClient.Reply r = admin.post("/api/pools/app/backends/b1/maintenance");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("id").asText()).isEqualTo("b1");
        assertThat(r.json().get("state").asText()).isEqualTo("MAINTENANCE");
        assertThat(lb.upstreams().pool("app").backend("b1").orElseThrow().state()).isEqualTo(BackendState.MAINTENANCE);
        assertThat(traffic(6)).containsOnlyKeys("two");

        r = admin.post("/api/pools/app/backends/b1/enable");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("state").asText()).isEqualTo("UP");
        assertThat(traffic(6)).containsKeys("one", "two");
    }

    @Test
    void drainStopsNewClientsAndShowsItsProgress() throws Exception {
        AdminClient.Reply r = admin.post("/api/pools/app/backends/b2/drain",
                "{\"untilIdle\":\"5m\",\"deadline\":\"1h\"}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("state").asText()).isEqualTo("DRAINING");
        assertThat(r.json().get("adminState").asText()).isEqualTo("DRAINING");
        JsonNode drain = r.json().get("drain");
        assertThat(drain.get("untilIdle").asText()).isEqualTo("5m");
        assertThat(drain.get("deadline").asText()).isEqualTo("1h");
        assertThat(drain.get("stickyRequestsLastMinute").asLong()).isZero();
        assertThat(drain.has("lastStickyHit")).isTrue();
        // Round robin has no affinity: a draining backend gets nothing new.
        assertThat(traffic(6)).containsOnlyKeys("one");

        assertThat(backend("b2").get("drain").get("untilIdle").asText()).isEqualTo("5m");
        admin.post("/api/pools/app/backends/b2/enable");
        assertThat(backend("b2").get("state").asText()).isEqualTo("UP");
        assertThat(backend("b2").has("drain")).isFalse();
    }

    @Test
    void drainWithoutABodyUsesTheDefaults() throws Exception {
        AdminClient.Reply r = admin.post("/api/pools/app/backends/b1/drain");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("drain").get("untilIdle").asText()).isEqualTo("2m");
        assertThat(r.json().get("drain").get("deadline").asText()).isEqualTo("30m");
    }

    @Test
    void weightOverridesTheConfiguredWeightAndZeroRestoresIt() throws Exception {
        AdminClient.Reply r = admin.put("/api/pools/app/backends/b1/weight", "{\"weight\": 3}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("weight").asInt()).isEqualTo(3);
        assertThat(r.json().get("configuredWeight").asInt()).isEqualTo(1);
        Map<String, Integer> seen = traffic(40);
        assertThat(seen.get("one")).isBetween(27, 33);

        r = admin.put("/api/pools/app/backends/b1/weight", "{\"weight\": 0}");
        assertThat(r.json().get("weight").asInt()).isEqualTo(1);
        assertThat(lb.upstreams().pool("app").backend("b1").orElseThrow().weight()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0} {1} -> {3}")
    @CsvSource(delimiter = '|', value = {
        "GET    | /api/pools/nope                            |                     | 404",
        "GET    | /api/nope                                  |                     | 404",
        "GET    | /api                                       |                     | 404",
        "POST   | /api/pools/nope/backends/b1/drain          |                     | 404",
        "POST   | /api/pools/app/backends/b9/maintenance     |                     | 404",
        "PUT    | /api/pools/app/backends/b9/weight          | {\"weight\":2}      | 404",
        "PUT    | /api/pools/app/backends/b1/weight          | {\"weight\":1001}   | 400",
        "PUT    | /api/pools/app/backends/b1/weight          | {\"weight\":-1}     | 400",
        "PUT    | /api/pools/app/backends/b1/weight          | {\"weight\":\"2\"}  | 400",
        "PUT    | /api/pools/app/backends/b1/weight          | {\"weight\":2.5}    | 400",
        "PUT    | /api/pools/app/backends/b1/weight          | {}                  | 400",
        "PUT    | /api/pools/app/backends/b1/weight          | {weight:2           | 400",
        "PUT    | /api/pools/app/backends/b1/weight          | [2]                 | 400",
        "PUT    | /api/pools/app/backends/b1/weight          | {\"weight\":2} {\"weight\":900} | 400",
        "POST   | /api/pools/app/backends/b1/drain           | {\"untilIdle\":\"2 minutes\"} | 400",
        "POST   | /api/pools/app/backends/b1/drain           | {\"untilIdle\":0}   | 400",
        "POST   | /api/pools/app/backends/b1/drain           | {\"deadline\":\"0\"} | 400",
        "POST   | /api/pools/app/backends/b1/drain           | {\"until\":\"2m\"}  | 400",
        "DELETE | /api/pools                                 |                     | 405",
        "GET    | /api/reload                                |                     | 405",
        "POST   | /api/pools/app                             |                     | 405",
        "GET    | /api/pools/app/backends/b1/weight          |                     | 405",
        "POST   | /api/reload                                |                     | 409",
    })
    void errorsAreJsonWithTheRightStatus(String method, String path, String body, int status) throws Exception {
        AdminClient.Reply r = admin.send(method, path, body);
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.json().get("error").asText()).isNotBlank();
        if (status == 405) {
            assertThat(r.header("Allow")).isNotBlank();
        }
        // Nothing changed.
        assertThat(lb.upstreams().allBackends()).allSatisfy(b -> {
            assertThat(b.state()).isEqualTo(BackendState.UP);
            assertThat(b.weight()).isEqualTo(1);
        });
    }

    @Test
    void aBodyThatIsNotJsonIsAnsweredWithWhereAndWhyOnly() throws Exception {
        String error = admin.send("POST", "/api/pools/app/backends/b1/drain", "{\n  \"untilIdle\": ").json()
                .get("error").asText();
        assertThat(error).startsWith("body is not valid JSON at line 2, column ").contains("end-of-input")
                .doesNotContain("Source").doesNotContain("StreamReadFeature");
    }

    @Test
    void errorMessagesNameWhatExists() throws Exception {
        assertThat(admin.get("/api/pools/nope").json().get("error").asText()).contains("'nope'").contains("app");
        assertThat(admin.post("/api/pools/app/backends/b9/drain").json().get("error").asText())
                .contains("'b9'").contains("b1, b2");
        assertThat(admin.put("/api/pools/app/backends/b1/weight", "{\"weight\":1001}").json().get("error").asText())
                .isEqualTo("weight: 1001 (expected: 1..1000, or 0 for the configured weight)");
        assertThat(admin.send("DELETE", "/api/pools", null).header("Allow")).isEqualTo("GET, HEAD");
    }

    @Test
    void aMethodNotAllowedNamesHeadWhereverGetIsServed() throws Exception {
        // HEAD is answered as GET (below), so an Allow without it told clients a served method was not.
        for (String path : new String[] {"/api/pools", "/metrics", "/ready", "/"}) {
            assertThat(admin.send("DELETE", path, null).header("Allow")).as(path).isEqualTo("GET, HEAD");
        }
        assertThat(admin.send("GET", "/api/reload", null).header("Allow")).isEqualTo("POST");
        assertThat(admin.send("HEAD", "/api/pools/app/backends/b1/maintenance", null).header("Allow"))
                .isEqualTo("POST");
    }

    @Test
    void aMalformedEscapeOrATrailingValueIsNamedInTheError() throws Exception {
        // java.net.URI refuses such a path, so it goes out raw; before the fix it was a 500 with a stack trace.
        for (String target : new String[] {"GET /api/pools/%ZZ", "POST /api/pools/app/backends/b%G1/maintenance"}) {
            try (RawHttp c = new RawHttp(lb.adminAddress().getPort())) {
                RawHttp.Response r = c.send(target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")
                        .read();
                assertThat(r.status()).as(target).isEqualTo(400);
                assertThat(r.body()).as(target).contains("\"error\" : \"malformed path " + target.split(" ")[1]);
            }
        }
        assertThat(lb.upstreams().pool("app").backend("b1").orElseThrow().state()).isEqualTo(BackendState.UP);
        assertThat(admin.put("/api/pools/app/backends/b1/weight", "{\"weight\":2} {\"weight\":900}").json()
                .get("error").asText()).isEqualTo("body is not valid JSON at line 1, column 14: something follows the"
                        + " JSON value");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "cookies over the header limit | Cookie: {big}\\r\\n           | 431 | HTTP header is larger than 8192 bytes",
        "a Content-Length of letters   | Content-Length: abc\\r\\n      | 400 | Content-Length value is not a number",
        "two Content-Lengths | Content-Length: 1\\r\\nContent-Length: 2\\r\\n | 400 | Multiple Content-Length values",
        "no Host                       | {noHost}                     | 400 | no Host header (expected exactly one)",
        "two Hosts                     | Host: evil.example\\r\\n       | 400 | 2 Host headers (expected exactly one)",
    })
    void aRequestThatCannotBeParsedIsAnsweredWithWhyAndTheConnectionCloses(String what, String fields, int status,
            String why) throws Exception {
        // The codec discards whatever follows a request it could not parse: a kept-alive connection left the
        // client's next request unanswered for good.
        String head = "GET /api/pools HTTP/1.1\r\nHost: 127.0.0.1\r\n" + fields.replace("\\r\\n", "\r\n")
                .replace("{big}", "a".repeat(10_000));
        if (fields.equals("{noHost}")) {
            head = "GET /api/pools HTTP/1.1\r\n";
        }
        try (RawHttp c = new RawHttp(lb.adminAddress().getPort())) {
            RawHttp.Response r = c.send(head + "\r\n").read();
            assertThat(r.status()).isEqualTo(status);
            assertThat(r.body()).contains("\"error\" : \"malformed request: ").contains(why);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(c.closedByPeer()).isTrue();
        }
        // HTTP/1.0 does not require Host, and a kept-alive connection goes on after a well-formed request.
        try (RawHttp c = new RawHttp(lb.adminAddress().getPort())) {
            c.send("GET /live HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
            assertThat(c.send("GET /live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read().status()).isEqualTo(200);
        }
    }

    @Test
    void aBodyOverTheLimitIsRefusedWithAJsonError() throws Exception {
        // Only the head is sent: the answer comes from it, and no unread body turns the close into a reset.
        for (String expect : new String[] {"", "Expect: 100-continue\r\n"}) {
            try (RawHttp c = new RawHttp(lb.adminAddress().getPort())) {
                RawHttp.Response r = c.send("PUT /api/pools/app/backends/b1/weight HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Type: application/json\r\nContent-Length: 70000\r\n" + expect + "\r\n").read();
                assertThat(r.status()).as(expect).isEqualTo(413);
                assertThat(r.header("Content-Type")).as(expect).isEqualTo("application/json");
                assertThat(r.body()).as(expect)
                        .contains("\"error\" : \"request body too large (at most 65536 bytes)\"");
                assertThat(c.closedByPeer()).as(expect).isTrue();
            }
        }
        assertThat(lb.upstreams().pool("app").backend("b1").orElseThrow().weight()).isEqualTo(1);
    }

    @Test
    void headIsAnsweredAsGetWithoutTheBody() throws Exception {
        // Probes such as HAProxy's "option httpchk HEAD /ready" send HEAD; a 405 would keep the instance out for good.
        for (String path : new String[] {"/ready", "/live", "/api/pools", "/metrics", "/"}) {
            try (RawHttp c = new RawHttp(lb.adminAddress().getPort())) {
                RawHttp.Response head = c.send("HEAD " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read(true);
                assertThat(head.status()).as(path).isEqualTo(200);
                assertThat(head.body()).as(path).isEmpty();
                assertThat(Integer.parseInt(head.header("Content-Length"))).as(path).isPositive();
                // The connection stays usable: no body bytes were left in it to be read as the next answer.
                RawHttp.Response get = c.send("GET /live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read();
                assertThat(get.status()).as(path).isEqualTo(200);
                assertThat(get.body()).as(path).contains("live");
            }
        }
        assertThat(admin.send("HEAD", "/api/pools/app/backends/b1/maintenance", null).status()).isEqualTo(405);
        assertThat(lb.upstreams().pool("app").backend("b1").orElseThrow().state()).isEqualTo(BackendState.UP);
    }

    @Test
    void pipelinedRequestsOnOneConnectionAreAnsweredInOrder() throws Exception {
        try (RawHttp c = new RawHttp(lb.adminAddress().getPort())) {
            c.send("POST /api/pools/app/backends/b1/maintenance HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Length: 0\r\n\r\n"
                    + "GET /api/pools/nope HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    + "GET /api/pools/app HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
            assertThat(c.read().status()).isEqualTo(404);
            RawHttp.Response last = c.read();
            assertThat(last.status()).isEqualTo(200);
            assertThat(last.body()).contains("MAINTENANCE");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void anAdminPortInUseIsReportedAsSuchAndReleasesTheProxyListener() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            LoadBalancer other = new LoadBalancer(TestConfigs.roundRobin(one.port())
                    .withAdmin(new AdminConfig(new Endpoint("127.0.0.1", taken.getLocalPort()), null)));
            assertThatThrownBy(other::start).isInstanceOf(PortInUseException.class)
                    .hasMessageContaining("admin address 127.0.0.1:" + taken.getLocalPort());
        }
    }

    @Test
    void noAdminListenerWhenTheConfigTurnsItOff() {
        try (LoadBalancer plain = new LoadBalancer(TestConfigs.roundRobin(one.port())).start()) {
            assertThat(plain.adminAddress()).isNull();
        }
    }

    @Test
    void closingTheInstanceClosesTheAdminListener() throws Exception {
        InetSocketAddress address = lb.adminAddress();
        lb.close();
        assertThatThrownBy(() -> new RawHttp(address.getPort())).isInstanceOf(IOException.class);
    }
}
