package io.stickylb.proxy;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.TestConfigs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WireMockProxyTest {

    private final List<WireMockServer> backends = new ArrayList<>();
    private LoadBalancer lb;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void startBackends() {
        for (int i = 1; i <= 3; i++) {
            WireMockServer w = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
            w.start();
            w.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withHeader("X-Backend", "w" + i)
                    .withBody("hello from w" + i)));
            backends.add(w);
        }
        lb = new LoadBalancer(TestConfigs.roundRobin(backends.get(0).port(), backends.get(1).port(),
                backends.get(2).port())).start();
    }

    @AfterEach
    void stop() {
        lb.close();
        backends.forEach(WireMockServer::stop);
    }

    @Test
    void weightsFiveOneOneSendFiveSeventhsOfTheTrafficToTheHeavyBackendInterleaved() throws Exception {
        lb.close();
        lb = new LoadBalancer(TestConfigs.single(io.stickylb.config.PoolConfig.of("app", "round-robin",
                java.util.List.of(TestConfigs.backend("w1", backends.get(0).port(), 5),
                        TestConfigs.backend("w2", backends.get(1).port(), 1),
                        TestConfigs.backend("w3", backends.get(2).port(), 1))))).start();
        StringBuilder order = new StringBuilder();
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < 70; i++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lb.port() + "/"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            String b = r.headers().firstValue("X-Backend").orElseThrow();
            seen.merge(b, 1, Integer::sum);
            if (i < 7) {
                order.append(b.charAt(1));
            }
        }
        assertThat(seen).containsEntry("w1", 50).containsEntry("w2", 10).containsEntry("w3", 10);
        // Smooth: the light backends are interleaved with the heavy one, never bunched.
        assertThat(order.toString()).isEqualTo("1121311");
    }

    @Test
    void roundRobinSpreadsRequestsEvenlyOverThreeWireMockBackends() throws Exception {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < 30; i++) {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lb.port() + "/x")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            seen.merge(r.headers().firstValue("X-Backend").orElseThrow(), 1, Integer::sum);
        }
        assertThat(seen).containsOnlyKeys("w1", "w2", "w3");
        assertThat(seen.values()).containsOnly(10);
    }
}
