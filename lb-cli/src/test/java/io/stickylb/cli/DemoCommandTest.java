package io.stickylb.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stickylb.config.BackendConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.PoolConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DemoCommandTest {

    private static final Pattern BACKEND_LINE = Pattern.compile("backend (b\\d+) at http://127\\.0\\.0\\.1:(\\d+)/");

    @Test
    void itServesRoundRobinOverThreeSampleBackendsAndStopsEverything() throws Exception {
        int port = Cli.freePort();
        List<Integer> backendPorts = new ArrayList<>();

        try (Cli.Background demo = new Cli.Background("demo", "--port", Integer.toString(port))) {
            await().atMost(Duration.ofSeconds(20)).until(() -> Http.backendId(port) != null);
            await().atMost(Duration.ofSeconds(5)).until(() -> demo.out().contains("Ctrl-C"));

            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                ids.add(Http.get(port, "/").headers().firstValue("X-Backend-Id").orElseThrow());
            }
            // Round robin: every window of three requests visits each backend once.
            assertThat(ids.subList(0, 3)).containsExactlyInAnyOrder("b1", "b2", "b3");
            assertThat(ids.subList(3, 6)).containsExactlyElementsOf(ids.subList(0, 3));

            String out = demo.out();
            assertThat(out).contains("curl -i http://127.0.0.1:" + port + "/")
                    .contains("curl -i -c /tmp/stickylb-jar -b /tmp/stickylb-jar http://127.0.0.1:" + port + "/")
                    .contains("X-Backend-Id")
                    .contains("open http://127.0.0.1:" + port + "/")
                    .contains("ws://127.0.0.1:" + port + "/ws");
            Matcher m = BACKEND_LINE.matcher(out);
            while (m.find()) {
                backendPorts.add(Integer.parseInt(m.group(2)));
            }
            assertThat(backendPorts).hasSize(3).allMatch(Http::listening);

            assertThat(demo.stop()).isZero();
            assertThat(demo.err()).isEmpty();
        }
        assertThat(Http.listening(port)).isFalse();
        assertThat(backendPorts).noneMatch(Http::listening);
    }

    @Test
    void withRoundRobinAClientWithACookieLosesItsSession() throws Exception {
        int port = Cli.freePort();
        try (Cli.Background demo = new Cli.Background("demo", "--port", Integer.toString(port), "--backends", "2")) {
            await().atMost(Duration.ofSeconds(20)).until(() -> Http.backendId(port) != null);
            HttpClient client = HttpClient.newBuilder().cookieHandler(new java.net.CookieManager()).build();
            HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build();

            HttpResponse<String> first = client.send(get, HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> second = client.send(get, HttpResponse.BodyHandlers.ofString());

            assertThat(first.headers().firstValue("X-Backend-Id"))
                    .isNotEqualTo(second.headers().firstValue("X-Backend-Id"));
            assertThat(first.headers().firstValue("Set-Cookie").orElseThrow()).startsWith("JSESSIONID=");
            assertThat(second.body()).contains("\"sessionLost\":true");
            assertThat(demo.stop()).isZero();
        }
    }

    @Test
    void withTheCookieStrategyAClientWithACookieKeepsItsSession() throws Exception {
        int port = Cli.freePort();
        try (Cli.Background demo = new Cli.Background("demo", "--port", Integer.toString(port),
                "--strategy", "cookie")) {
            await().atMost(Duration.ofSeconds(20)).until(() -> Http.backendId(port) != null);
            HttpClient client = HttpClient.newBuilder().cookieHandler(new java.net.CookieManager()).build();
            HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build();

            HttpResponse<String> first = client.send(get, HttpResponse.BodyHandlers.ofString());
            List<String> later = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> r = client.send(get, HttpResponse.BodyHandlers.ofString());
                assertThat(r.body()).contains("\"sessionLost\":false").contains("\"sessionNew\":false");
                later.add(r.headers().firstValue("X-Backend-Id").orElseThrow());
            }

            assertThat(later).containsOnly(first.headers().firstValue("X-Backend-Id").orElseThrow());
            assertThat(demo.out()).contains("(strategy cookie)");

            // A WebSocket opened with the same cookies lands on the session's backend, with the session.
            java.util.concurrent.LinkedBlockingQueue<String> replies = new java.util.concurrent.LinkedBlockingQueue<>();
            java.net.http.WebSocket ws = client.newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), new java.net.http.WebSocket.Listener() {
                        @Override
                        public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket w,
                                CharSequence data, boolean last) {
                            replies.add(data.toString());
                            w.request(1);
                            return null;
                        }
                    }).get(10, java.util.concurrent.TimeUnit.SECONDS);
            ws.sendText("hi", true).get(5, java.util.concurrent.TimeUnit.SECONDS);
            String reply = replies.poll(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(reply).contains("\"backend\":\"" + later.get(0) + "\"").contains("\"echo\":\"hi\"");
            String session = first.headers().allValues("Set-Cookie").stream()
                    .filter(c -> c.startsWith("JSESSIONID=")).findFirst().orElseThrow().split("[=;]")[1];
            assertThat(reply).contains("\"session\":\"" + session + "\"");
            ws.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "").get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(demo.stop()).isZero();
        }
    }

    @Test
    void aTakenPortIsOneLineNamingItAndExitCodeOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Cli.Result r = Cli.run("demo", "--port", Integer.toString(taken.getLocalPort()));

            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.err()).startsWith("error: listen address 127.0.0.1:" + taken.getLocalPort()
                    + " is already in use");
            assertThat(r.err().strip()).doesNotContain("\n");
        }
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertThat(Cli.run("demo", "--backends", "0").exitCode()).isEqualTo(2);
        assertThat(Cli.run("demo", "--port", "70000").exitCode()).isEqualTo(2);
        Cli.Result r = Cli.run("demo", "--strategy", "random");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--strategy: 'random'").contains("round-robin");
    }

    @Test
    void theEmbeddedDefaultIsConfigLbYaml() throws Exception {
        assertThat(DemoConfig.defaultYaml()).isEqualTo(Files.readString(Cli.configDir().resolve("lb.yaml")));
    }

    @Test
    void theDemoConfigIsTheDefaultWithTheDemosListenBackendsAndStrategy() throws Exception {
        LoadBalancerConfig defaults = DemoConfig.defaults();
        List<BackendConfig> backends = List.of(member("b1", 41001),
                member("b2", 41002));

        LoadBalancerConfig demo = DemoConfig.build(defaults, 18080, "least-connections", backends);

        assertThat(demo.listen().toString()).isEqualTo("127.0.0.1:18080");
        PoolConfig app = demo.pools().get("app");
        assertThat(app.backends()).containsExactlyElementsOf(backends);
        assertThat(app.strategy()).isEqualTo("least-connections");
        assertThat(app.timeouts()).isEqualTo(defaults.pools().get("app").timeouts());
        assertThat(demo.routes()).isEqualTo(defaults.routes());
        assertThat(demo.accessLog()).isEqualTo(defaults.accessLog());
        assertThat(DemoConfig.build(defaults, 18080, null, backends).pools().get("app").strategy())
                .isEqualTo(defaults.pools().get("app").strategy());
    }

    private static BackendConfig member(String id, int port) {
        return new BackendConfig(id, new Endpoint("127.0.0.1", port), 1, id);
    }
}
