package io.stickylb.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stickylb.backend.AdminState;
import io.stickylb.config.AccessLogConfig;
import io.stickylb.config.CidrRange;
import io.stickylb.config.LimitsConfig;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.RouteConfig;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.AccessLogLines;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Requests stickylb answers itself are counted in /metrics and written to the access log, and reach no backend. */
class LocalAnswersTest {

    private final AccessLogLines lines = new AccessLogLines();
    private FakeBackend backend;
    private LoadBalancer lb;

    @AfterEach
    void stop() throws Exception {
        if (lb != null) {
            lb.close(Duration.ofSeconds(1));
        }
        if (backend != null) {
            backend.close();
        }
        lines.close();
    }

    @Test
    void aRequestAnsweredLocallyBehindATrustedProxyIsLoggedWithTheClientItNames() throws Exception {
        backend = FakeBackend.ok("fine");
        LoadBalancerConfig base = TestConfigs.roundRobin(backend.port());
        LoadBalancerConfig config = new LoadBalancerConfig(null, base.listen(), base.workers(), base.pools(),
                List.of(new RouteConfig("*", "/app", "app")), List.of(CidrRange.parse("127.0.0.0/8")), null,
                AccessLogConfig.DEFAULTS, base.limits(), base.shutdownTimeout());
        lb = new LoadBalancer(config).start();
        String xff = "X-Forwarded-For: 203.0.113.7\r\n";
        try (RawHttp c = new RawHttp(lb.port())) {
            assertThat(c.send("GET /app HTTP/1.1\r\nHost: h\r\n" + xff + "\r\n").read().status()).isEqualTo(200);
            assertThat(c.send("GET /elsewhere HTTP/1.1\r\nHost: h\r\n" + xff + "\r\n").read().status())
                    .isEqualTo(404);
            assertThat(c.send("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n" + xff + "\r\n").read().status())
                    .isEqualTo(405);
        }
        try (RawHttp c = new RawHttp(lb.port())) {
            // A head that does not parse has no fields to believe: the proxy's own address it is.
            assertThat(c.send("GET /app HTTP/1.1\r\nHost: h\r\n" + xff + "Bad Field: x\r\n\r\n").read().status())
                    .isEqualTo(400);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> lines.size() == 4);
        // Before, the 404 and 405 were logged as 127.0.0.1, the proxy's address, beside the same client's 200.
        assertThat(lines.lines()).map(l -> l.substring(0, l.indexOf(' '))).containsExactly(
                "203.0.113.7", "203.0.113.7", "203.0.113.7", "127.0.0.1");
    }

    @Test
    void malformedUnroutedAndTooSlowRequestsAreLoggedAndCountedByStatus() throws Exception {
        backend = FakeBackend.ok("fine");
        LoadBalancerConfig base = TestConfigs.roundRobin(backend.port());
        LimitsConfig limits = new LimitsConfig(8192, 16384, 100, 0, Duration.ofMillis(300), Duration.ofSeconds(30),
                100, 1024);
        LoadBalancerConfig config = new LoadBalancerConfig(null, base.listen(), base.workers(), base.pools(),
                List.of(new RouteConfig("*", "/app", "app")), List.of(), null, AccessLogConfig.DEFAULTS, limits,
                base.shutdownTimeout());
        lb = new LoadBalancer(config).start();

        try (RawHttp c = new RawHttp(lb.port())) {
            assertThat(c.send("GET /app/x HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(200);
            assertThat(c.send("GET /elsewhere HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(404);
            assertThat(c.send("HEAD /elsewhere HTTP/1.1\r\nHost: h\r\n\r\n").read(true).body()).isEmpty();
        }
        try (RawHttp c = new RawHttp(lb.port())) {
            assertThat(c.send("POST /app HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked"
                    + "\r\n\r\n0\r\n\r\n").read().status()).isEqualTo(400);
        }
        try (RawHttp c = new RawHttp(lb.port())) {
            assertThat(c.send("GET /app HTTP/1.1\r\nHost: h").read().status()).isEqualTo(408);
        }

        assertThat(backend.requests()).as("only the routed request reached the backend").hasSize(1);
        System.gc(); // Micrometer holds a meter's supplier weakly: the counts must outlive a collection
        assertThat(lb.scrapeMetrics()).contains("stickylb_local_responses_total{status=\"400\"} 1.0",
                "stickylb_local_responses_total{status=\"404\"} 2.0",
                "stickylb_local_responses_total{status=\"408\"} 1.0",
                "stickylb_local_responses_total{status=\"other\"} 0.0");
        await().atMost(Duration.ofSeconds(5)).until(() -> lines.size() == 5);
        List<String> logged = lines.lines();
        assertThat(logged.get(0)).startsWith("127.0.0.1 \"GET /app/x\" 200 4 pool=app backend=b1 ");
        // A head that failed to parse is logged without its method and target: nothing of it can be trusted. The
        // bytes are those of the body sent ("404 Not Found\n" ...), as for a backend's answer, not 0.
        assertThat(logged.subList(1, 5)).containsExactly(
                "127.0.0.1 \"GET /elsewhere\" 404 14 pool=- backend=- affinity=- upstream_ms=-1.0 total_ms=-1.0 end=-",
                "127.0.0.1 \"HEAD /elsewhere\" 404 0 pool=- backend=- affinity=- upstream_ms=-1.0 total_ms=-1.0 end=-",
                "127.0.0.1 \"- -\" 400 16 pool=- backend=- affinity=- upstream_ms=-1.0 total_ms=-1.0 end=-",
                "127.0.0.1 \"- -\" 408 20 pool=- backend=- affinity=- upstream_ms=-1.0 total_ms=-1.0 end=-");
    }

    @Test
    void anAnswerToHeadThatClosesTheConnectionHasNoBody() throws Exception {
        backend = FakeBackend.ok("fine");
        LoadBalancerConfig base = TestConfigs.roundRobin(backend.port());
        lb = new LoadBalancer(new LoadBalancerConfig(null, base.listen(), base.workers(), base.pools(),
                List.of(new RouteConfig("*", "/app", "app")), List.of(), null, AccessLogConfig.DEFAULTS,
                base.limits(), base.shutdownTimeout())).start();

        // RFC 9110 §9.3.2: never a body to HEAD, also when the answer closes (client's close, HTTP/1.0, a refusal).
        String[] heads = {"HEAD /elsewhere HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
            "HEAD /elsewhere HTTP/1.0\r\n\r\n", "HEAD /app HTTP/1.1\r\nHost: h\r\nHost: h2\r\n\r\n"};
        for (String head : heads) {
            try (RawHttp c = new RawHttp(lb.port())) {
                RawHttp.Response r = c.send(head).read(true);
                assertThat(r.status()).as(head).isIn(400, 404);
                assertThat(Integer.parseInt(r.header("Content-Length"))).as(head).isPositive();
                assertThat(c.closedByPeer()).as(head + ": nothing after the head").isTrue();
            }
        }

        assertThat(backend.requests()).isEmpty();
        await().atMost(Duration.ofSeconds(5)).until(() -> lines.size() == 3);
        assertThat(lines.lines()).allSatisfy(l -> assertThat(l).contains("\"HEAD /").containsPattern("\" 40[04] 0 "));
    }

    @Test
    void aPoolWithNoBackendToOfferCountsItsAnswersAsLocal503s() throws Exception {
        backend = FakeBackend.ok("fine");
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port()).withAccessLog(AccessLogConfig.DEFAULTS)).start();
        lb.upstreams().pool("app").setAdminState("b1", AdminState.MAINTENANCE, "test");

        for (int i = 0; i < 2; i++) {
            try (RawHttp c = new RawHttp(lb.port())) {
                assertThat(c.send("GET /x HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(503);
            }
        }

        assertThat(backend.requests()).isEmpty();
        // Without this count every client refused would leave /metrics unchanged: no backend holds these answers.
        assertThat(lb.scrapeMetrics()).contains("stickylb_local_responses_total{status=\"503\"} 2.0",
                "stickylb_local_responses_total{status=\"other\"} 0.0",
                "stickylb_backend_responses_total{backend=\"b1\",class=\"5xx\",pool=\"app\"} 0.0",
                "stickylb_backend_requests_total{backend=\"b1\",pool=\"app\"} 0.0");
        await().atMost(Duration.ofSeconds(5)).until(() -> lines.size() == 2);
        assertThat(lines.lines()).allSatisfy(l -> assertThat(l).contains("\"GET /x\" 503 ").endsWith("end=no-backend"));
    }

    @Test
    void aRefusedTargetCannotBreakTheQuotedRequestOfItsTextLine() throws Exception {
        backend = FakeBackend.ok("fine");
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port()).withAccessLog(AccessLogConfig.DEFAULTS)).start();

        // The head parses, so its method and target are logged; the validator refuses the '"' and '\' in it.
        try (RawHttp c = new RawHttp(lb.port())) {
            assertThat(c.send("GET /a\"b\\c HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(400);
        }

        assertThat(backend.requests()).isEmpty();
        await().atMost(Duration.ofSeconds(5)).until(() -> lines.size() == 1);
        assertThat(lines.lines().get(0)).isEqualTo("127.0.0.1 \"GET /a\\x22b\\x5Cc\" 400 16 pool=- backend=- affinity=-"
                + " upstream_ms=-1.0 total_ms=-1.0 end=-");
    }

    @Test
    void jsonLinesOfLocalAnswersParseAndSayNullForWhatIsNotKnown() throws Exception {
        backend = FakeBackend.ok("fine");
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())
                .withAccessLog(new AccessLogConfig(true, AccessLogConfig.Format.JSON))).start();

        try (RawHttp c = new RawHttp(lb.port())) {
            assertThat(c.send("GET /a\"b\\c HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(400);
        }
        try (RawHttp c = new RawHttp(lb.port())) {
            assertThat(c.send("GET /\u00e9 HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(400);
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> lines.size() == 2);
        ObjectMapper json = new ObjectMapper();
        JsonNode refused = json.readTree(lines.lines().get(0));
        assertThat(refused.get("method").asText()).isEqualTo("GET");
        assertThat(refused.get("uri").asText()).isEqualTo("/a\"b\\c");
        // A head that failed to parse has no method or target; before, JSON said "-", a valid method name, beside
        // the null of every other field not known.
        JsonNode malformed = json.readTree(lines.lines().get(1));
        assertThat(malformed.get("method").isNull()).as(malformed.toString()).isTrue();
        assertThat(malformed.get("uri").isNull()).as(malformed.toString()).isTrue();
        assertThat(malformed.get("pool").isNull()).isTrue();
        assertThat(malformed.get("status").asInt()).isEqualTo(400);
    }
}
