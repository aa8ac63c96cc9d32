package io.stickylb.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.stickylb.config.LimitsConfig;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

public class ProxyMetricsTest {

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)$");

    /** Parses the text exposition into "name{labels}" -> value; fails on any line that is not valid. */
    public static Map<String, Double> parse(String text) {
        return text.lines().filter(l -> !l.isEmpty() && !l.startsWith("#")).map(l -> {
            Matcher m = SAMPLE.matcher(l);
            assertThat(m.matches()).as("exposition line: " + l).isTrue();
            return m;
        }).collect(Collectors.toMap(m -> m.group(1) + (m.group(2) == null ? "" : m.group(2)),
                m -> Double.parseDouble(m.group(3)), (a, b) -> a));
    }

    @Test
    void requestsResponsesStatesAndLatencyAppearPerBackend() throws IOException {
        try (FakeBackend b1 = FakeBackend.ok("one"); FakeBackend b2 = FakeBackend.ok("two")) {
            LoadBalancer lb = new LoadBalancer(TestConfigs.roundRobin(b1.port(), b2.port())).start();
            try {
                try (RawHttp c = new RawHttp(lb.port())) {
                    for (int i = 0; i < 10; i++) {
                        assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(200);
                    }
                }
                Map<String, Double> m = parse(lb.metrics().scrape());
                assertThat(m).containsEntry("stickylb_backend_requests_total{backend=\"b1\",pool=\"app\"}", 5.0);
                assertThat(m).containsEntry(
                        "stickylb_backend_responses_total{backend=\"b2\",class=\"2xx\",pool=\"app\"}", 5.0);
                assertThat(m).containsEntry("stickylb_backend_state{backend=\"b1\",pool=\"app\",state=\"UP\"}", 1.0);
                assertThat(m).containsEntry("stickylb_backend_state{backend=\"b1\",pool=\"app\",state=\"DOWN\"}", 0.0);
                assertThat(m).containsEntry("stickylb_backend_latency_seconds_count{backend=\"b1\",pool=\"app\"}", 5.0);
                assertThat(m.keySet()).anyMatch(k -> k.startsWith("stickylb_backend_latency_seconds_bucket{"));
                assertThat(m.keySet()).anyMatch(k -> k.startsWith("jvm_memory_used_bytes"));
                assertThat(m.keySet()).anyMatch(k -> k.startsWith("process_uptime_seconds"));
                assertThat(PrometheusTextFormatWriter.CONTENT_TYPE).startsWith("text/plain");
            } finally {
                lb.close();
            }
        }
    }

    @Test
    void anAnswerForABodyFoundBadInFlightIsCountedAtItsBackend() throws IOException {
        // A chunked body over max-body-size or with broken framing is refused after the head went to the backend.
        LimitsConfig limits = new LimitsConfig(8192, 16384, 100, 100, Duration.ofSeconds(10), Duration.ofSeconds(60),
                100, 1024);
        try (FakeBackend b1 = FakeBackend.ok("one")) {
            LoadBalancer lb = new LoadBalancer(TestConfigs.roundRobin(b1.port()).withLimits(limits)).start();
            try {
                String head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
                try (RawHttp c = new RawHttp(lb.port())) {
                    assertThat(c.send(head + "c8\r\n" + "x".repeat(200) + "\r\n0\r\n\r\n").read().status())
                            .isEqualTo(413);
                }
                try (RawHttp c = new RawHttp(lb.port())) {
                    assertThat(c.send(head + "zz\r\nabc\r\n0\r\n\r\n").read().status()).isEqualTo(400);
                }
                // Before, neither this series nor stickylb_local_responses_total counted them: the clients' answers
                // were nowhere on /metrics, though both requests were.
                Map<String, Double> m = parse(lb.metrics().scrape());
                assertThat(m).containsEntry("stickylb_backend_requests_total{backend=\"b1\",pool=\"app\"}", 2.0);
                assertThat(m).containsEntry(
                        "stickylb_backend_responses_total{backend=\"b1\",class=\"4xx\",pool=\"app\"}", 2.0);
                assertThat(m).containsEntry("stickylb_local_responses_total{status=\"413\"}", 0.0);
            } finally {
                lb.close();
            }
        }
    }

    @Test
    void aRequestSentAgainOnAFreshConnectionAfterAStalePooledOneIsCountedOnce() throws IOException {
        AtomicInteger stale = new AtomicInteger();
        // The pooled connection closes as the second request reaches it (the backend's keep-alive timeout racing
        // the request): the proxy sends the request again on a new connection, to the same backend.
        try (FakeBackend b1 = new FakeBackend((req, out, s) -> {
            if (req.requestLine().startsWith("GET /second ") && stale.getAndIncrement() == 0) {
                return false;
            }
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
            return true;
        })) {
            LoadBalancer lb = new LoadBalancer(TestConfigs.roundRobin(b1.port())).start();
            try {
                try (RawHttp c = new RawHttp(lb.port())) {
                    assertThat(c.send("GET /first HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(200);
                    assertThat(c.send("GET /second HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(200);
                }
                assertThat(b1.requests()).hasSize(3);
                // Before, the second request was counted twice: three requests, two answers, no error or retry.
                Map<String, Double> m = parse(lb.metrics().scrape());
                assertThat(m).containsEntry("stickylb_backend_requests_total{backend=\"b1\",pool=\"app\"}", 2.0);
                assertThat(m).containsEntry(
                        "stickylb_backend_responses_total{backend=\"b1\",class=\"2xx\",pool=\"app\"}", 2.0);
                assertThat(m).containsEntry("stickylb_backend_in_flight{backend=\"b1\",pool=\"app\"}", 0.0);
            } finally {
                lb.close();
            }
        }
    }

    @Test
    void garbageCollectionCountersAreReadWhenScraped() {
        ProxyMetrics metrics = new ProxyMetrics();
        double before = gcCollections(parse(metrics.scrape()));
        System.gc();
        Map<String, Double> after = parse(metrics.scrape());
        assertThat(gcCollections(after)).isGreaterThan(before);
        assertThat(after.keySet()).anyMatch(k -> k.startsWith("jvm_gc_collection_time_seconds_total{gc="));
    }

    private static double gcCollections(Map<String, Double> samples) {
        return samples.entrySet().stream().filter(e -> e.getKey().startsWith("jvm_gc_collections_total{gc="))
                .mapToDouble(Map.Entry::getValue).sum();
    }
}
