package io.stickylb.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.config.AdminConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.metrics.ProxyMetricsTest;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdminMetricsTest {

    @Test
    void metricsAreServedInPrometheusTextFormatBehindTheToken() throws Exception {
        try (FakeBackend b = FakeBackend.ok("ok")) {
            LoadBalancer lb = new LoadBalancer(TestConfigs.roundRobin(b.port())
                    .withAdmin(new AdminConfig(new Endpoint("127.0.0.1", 0), "s3cret"))).start();
            try {
                try (RawHttp c = new RawHttp(lb.port())) {
                    c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read();
                }
                HttpClient http = HttpClient.newHttpClient();
                URI uri = URI.create("http://127.0.0.1:" + lb.adminAddress().getPort() + "/metrics");
                assertThat(http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode()).isEqualTo(401);
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer s3cret")
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
                Map<String, Double> m = ProxyMetricsTest.parse(r.body());
                assertThat(m).containsEntry("stickylb_backend_requests_total{backend=\"b1\",pool=\"app\"}", 1.0);
            } finally {
                lb.close();
            }
        }
    }
}
