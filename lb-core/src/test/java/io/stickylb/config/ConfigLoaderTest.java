package io.stickylb.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Valid configs: the examples parse to the expected records and absent keys take the records' defaults. */
class ConfigLoaderTest {

    private static final Map<String, String> ENV = Map.of("LB_ADMIN_TOKEN", "s3cret");

    static Path fixture(String name) {
        try {
            return Path.of(ConfigLoaderTest.class.getResource("/config/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static LoadBalancerConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, "test.yaml", ENV);
    }

    @Test
    void theIssueExampleLoadsFromAFileIntoTheExpectedRecords() throws Exception {
        Path file = fixture("issue-example.yaml");

        LoadBalancerConfig config = ConfigLoader.load(file);

        TimeoutConfig timeouts = new TimeoutConfig(Duration.ofSeconds(1), Duration.ofSeconds(30),
                Duration.ofSeconds(60));
        PoolConfig app = PoolConfig.of("app", "round-robin", List.of(
                        new BackendConfig("b1", new Endpoint("127.0.0.1", 9001), 1),
                        new BackendConfig("b2", new Endpoint("127.0.0.1", 9002), 1)))
                .withTimeouts(timeouts);
        LoadBalancerConfig expected = new LoadBalancerConfig(file, new Endpoint("127.0.0.1", 8080), 0,
                Map.of("app", app), List.of(new RouteConfig("*", "/", "app")), List.of(), null, null, null, null);
        assertThat(config).isEqualTo(expected);
    }

    @Test
    void parseLeavesTheSourceEmptyAndLoadRecordsTheFile() throws Exception {
        Path file = fixture("issue-example.yaml");

        assertThat(ConfigLoader.load(file).source()).isEqualTo(file);
        assertThat(parse(Files.readString(file)).source()).isNull();
    }

    @Test
    void aMinimalConfigGetsEveryDefault() throws Exception {
        LoadBalancerConfig config = parse("""
                pools:
                  app:
                    backends:
                      - { id: b1, address: localhost:9001 }
                """);

        assertThat(config.listen()).isEqualTo(new Endpoint("127.0.0.1", 8080));
        assertThat(config.workers()).isZero();
        assertThat(config.transport()).isEqualTo(TransportChoice.AUTO);
        assertThat(config.forwardedHeaders()).isTrue();
        assertThat(config.shutdownTimeout()).isEqualTo(LoadBalancerConfig.DEFAULT_SHUTDOWN_TIMEOUT);
        assertThat(config.trustedProxies()).isEmpty();
        assertThat(config.admin()).isEqualTo(AdminConfig.DISABLED);
        assertThat(config.accessLog()).isEqualTo(AccessLogConfig.DEFAULTS);
        assertThat(config.limits()).isEqualTo(LimitsConfig.DEFAULTS);
        assertThat(config.routes()).containsExactly(new RouteConfig("*", "/", "app"));
        PoolConfig pool = config.pools().get("app");
        assertThat(pool).isEqualTo(PoolConfig.of("app", "round-robin",
                List.of(new BackendConfig("b1", new Endpoint("localhost", 9001), 1))));
        assertThat(pool.timeouts()).isEqualTo(TimeoutConfig.DEFAULTS);
        assertThat(pool.affinity()).isEqualTo(AffinityConfig.DEFAULTS);
        assertThat(pool.retry()).isEqualTo(RetryConfig.DEFAULTS);
        assertThat(pool.health()).isEqualTo(HealthConfig.DEFAULTS);
        assertThat(pool.changeCookieOnFailure()).isTrue();
    }

    @Test
    void theFullExampleSetsEveryKey() throws Exception {
        LoadBalancerConfig config = parse(Files.readString(fixture("full.yaml")));

        assertThat(config.listen()).isEqualTo(new Endpoint("0.0.0.0", 8443));
        assertThat(config.workers()).isEqualTo(4);
        assertThat(config.transport()).isEqualTo(TransportChoice.IO_URING);
        assertThat(config.forwardedHeaders()).isFalse();
        assertThat(config.shutdownTimeout()).isEqualTo(Duration.ofSeconds(45));
        assertThat(config.trustedProxies()).extracting(CidrRange::toString)
                .containsExactly("10.0.0.0/8", "127.0.0.1", "::1/128");
        assertThat(config.admin()).isEqualTo(new AdminConfig(new Endpoint("0.0.0.0", 9091), "s3cret"));
        assertThat(config.accessLog()).isEqualTo(new AccessLogConfig(true, AccessLogConfig.Format.JSON));
        assertThat(config.limits()).isEqualTo(new LimitsConfig(4096, 32 * 1024, 50, 10L * 1024 * 1024,
                Duration.ofSeconds(5), Duration.ofMinutes(2), 20_000, 512));
        assertThat(config.pools()).containsOnlyKeys("app", "api");
        assertThat(config.routes()).containsExactly(
                new RouteConfig("api.example.com", "/", "api"),
                new RouteConfig("*.example.com", "/v2", "api"),
                new RouteConfig("*", "/", "app"));

        PoolConfig app = config.pools().get("app");
        assertThat(app).isEqualTo(new PoolConfig("app", "cookie",
                List.of(new BackendConfig("b1", new Endpoint("10.0.0.1", 9001), 5, "jvm1"),
                        new BackendConfig("b2", new Endpoint("::1", 9002), 1, "b2")),
                new TimeoutConfig(Duration.ofSeconds(1), Duration.ofSeconds(20), Duration.ofSeconds(90)),
                "ring", 1.25, null, null,
                new AffinityConfig(AffinityConfig.Mode.ROUTE_SUFFIX, "APP_ROUTE", "SESSION",
                        List.of("new-key", "old-key"), "/app", "example.com", false, true, "None", Duration.ofHours(1),
                        Duration.ofMinutes(30), Duration.ofDays(1), 5000, Duration.ofMinutes(45)),
                "least-connections", PoolConfig.OnUnavailable.FAIL, PoolConfig.ReturnHome.IMMEDIATE, false,
                new RetryConfig(3, Set.of("connect-failure", "reset", "timeout", "503"), true, 128 * 1024),
                Duration.ofSeconds(30),
                new HealthConfig(
                        new ActiveHealthConfig(ActiveHealthConfig.Type.HTTP, "/healthz", Duration.ofSeconds(1),
                                Duration.ofMillis(500), 3, 4, 200, 299, "example.com", Duration.ofMillis(50)),
                        new PassiveHealthConfig(true, 7, Duration.ofSeconds(20), Duration.ofMinutes(10), 30, true),
                        40)));
        assertThat(app.retry().retriesStatus(503)).isTrue();
        assertThat(app.retry().retriesStatus(502)).isFalse();
        assertThat(app.retry().retriesStatus(99)).isFalse();
        assertThat(app.retry().retriesStatus(600)).isFalse();

        PoolConfig api = config.pools().get("api");
        assertThat(api.strategy()).isEqualTo("header-hash");
        assertThat(api.hashHeader()).isEqualTo("X-User-Id");
        assertThat(api.hash()).isEqualTo("modulo");
        assertThat(api.backends()).containsExactly(new BackendConfig("a1", new Endpoint("api.internal", 7000), 1));
        ActiveHealthConfig tcp = api.health().active();
        assertThat(tcp.type()).isEqualTo(ActiveHealthConfig.Type.TCP);
        assertThat(tcp.expectMin()).isEqualTo(204);
        assertThat(tcp.expectMax()).isEqualTo(204);
        assertThat(tcp.interval()).isEqualTo(ActiveHealthConfig.DEFAULTS.interval());
        assertThat(api.health().passive().enabled()).isFalse();
    }

    @Test
    void anEjectionTimeLongerThanTheDefaultCapIsNotCutToItWhenNoCapIsSet() throws Exception {
        // As Envoy's max_ejection_time: unset, it is the default (5m) or ejection-time, whichever is larger. An
        // operator's 10m ejection lasted 5m.
        PassiveHealthConfig longer = parse(passive("{ ejection-time: 10m }")).pools().get("app").health().passive();
        assertThat(longer.ejectionTime()).isEqualTo(Duration.ofMinutes(10));
        assertThat(longer.maxEjectionTime()).isEqualTo(Duration.ofMinutes(10));

        PassiveHealthConfig shorter = parse(passive("{ ejection-time: 30s }")).pools().get("app").health().passive();
        assertThat(shorter.maxEjectionTime()).isEqualTo(PassiveHealthConfig.DEFAULTS.maxEjectionTime());

        PassiveHealthConfig capped = parse(passive("{ ejection-time: 10m, max-ejection-time: 2m }")).pools().get("app")
                .health().passive();
        assertThat(capped.maxEjectionTime()).isEqualTo(Duration.ofMinutes(2));
    }

    private static String passive(String settings) {
        return "pools:\n  app:\n    backends: [ { id: b1, address: \"localhost:9001\" } ]\n"
                + "    health: { passive: " + settings + " }\n";
    }

    @Test
    void environmentVariablesAreSubstitutedInAnyScalarAndDoubledDollarEscapes() throws Exception {
        LoadBalancerConfig config = ConfigLoader.parse("""
                listen: ${HOST}:${PORT}
                admin: { token: "pre-${TOKEN}-post $${NOT_A_VAR}" }
                pools:
                  app:
                    backends:
                      - { id: b1, address: "${BACKEND}", weight: "${WEIGHT}" }
                """, "env.yaml", Map.of("HOST", "127.0.0.2", "PORT", "8081", "TOKEN", "abc",
                "BACKEND", "10.1.1.1:80", "WEIGHT", "7"));

        assertThat(config.listen()).isEqualTo(new Endpoint("127.0.0.2", 8081));
        assertThat(config.admin().token()).isEqualTo("pre-abc-post ${NOT_A_VAR}");
        assertThat(config.pools().get("app").backends().get(0))
                .isEqualTo(new BackendConfig("b1", new Endpoint("10.1.1.1", 80), 7));
    }

    @Test
    void booleansAcceptOnOffYesNoInAnyCase() throws Exception {
        LoadBalancerConfig config = parse("""
                access-log: { enabled: On, format: TEXT }
                pools:
                  app:
                    change-cookie-on-failure: NO
                    retry-non-idempotent: yes
                    affinity: { http-only: off, secure: True }
                    backends: [ { id: b1, address: "localhost:1" } ]
                """);

        assertThat(config.accessLog()).isEqualTo(AccessLogConfig.DEFAULTS);
        PoolConfig pool = config.pools().get("app");
        assertThat(pool.changeCookieOnFailure()).isFalse();
        assertThat(pool.retry().retryNonIdempotent()).isTrue();
        assertThat(pool.affinity().httpOnly()).isFalse();
        assertThat(pool.affinity().secure()).isTrue();
    }

    @Test
    void shorthandFormsOfSectionsAreAccepted() throws Exception {
        LoadBalancerConfig config = parse("""
                workers: AUTO
                transport: EPOLL
                admin: on
                access-log: off
                pools:
                  app:
                    strategy: Header-Hash
                    hash-cookie: uid
                    affinity: { mode: LEARN, secret: only-one, same-site: strict }
                    health: { active: on }
                    backends: [ { id: b1, address: "localhost:1" } ]
                """);

        assertThat(config.workers()).isZero();
        assertThat(config.transport()).isEqualTo(TransportChoice.EPOLL);
        assertThat(config.admin()).isEqualTo(new AdminConfig(new Endpoint("127.0.0.1", 9090), null));
        assertThat(config.accessLog()).isEqualTo(AccessLogConfig.OFF);
        PoolConfig pool = config.pools().get("app");
        assertThat(pool.strategy()).isEqualTo("header-hash");
        assertThat(pool.hashCookie()).isEqualTo("uid");
        assertThat(pool.affinity().mode()).isEqualTo(AffinityConfig.Mode.LEARN);
        assertThat(pool.affinity().secrets()).containsExactly("only-one");
        assertThat(pool.affinity().sameSite()).isEqualTo("Strict");
        assertThat(pool.health().active()).isEqualTo(ActiveHealthConfig.DEFAULTS);
    }

    @Test
    void sizesUseBinaryAndDecimalUnits() throws Exception {
        LoadBalancerConfig config = parse("""
                limits: { max-header-size: 512KB, max-body-size: 1GiB, max-request-line: 2KiB }
                pools:
                  app:
                    retry-buffer: 1MB
                    backends: [ { id: b1, address: "localhost:1" } ]
                """);

        assertThat(config.limits().maxHeaderSize()).isEqualTo(512_000);
        assertThat(config.limits().maxBodySize()).isEqualTo(1L << 30);
        assertThat(config.limits().maxRequestLine()).isEqualTo(2048);
        assertThat(config.pools().get("app").retry().bufferBytes()).isEqualTo(1_000_000);
    }

    @Test
    void activeChecksOffMeansNoActiveChecks() throws Exception {
        LoadBalancerConfig config = parse("""
                pools:
                  app:
                    health: { active: off, panic-threshold: 0 }
                    backends: [ { id: b1, address: "localhost:1" } ]
                """);

        assertThat(config.pools().get("app").health())
                .isEqualTo(new HealthConfig(null, PassiveHealthConfig.DEFAULTS, 0));
    }

    @Test
    void theTunnelTimeoutIsReadAndDefaultsToAnHour() throws Exception {
        LoadBalancerConfig config = parse("""
                pools:
                  app:
                    timeouts: { tunnel: 90s }
                    backends: [ { id: b1, address: "localhost:1" } ]
                """);

        assertThat(config.pools().get("app").timeouts())
                .isEqualTo(new TimeoutConfig(Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofSeconds(60),
                        Duration.ofSeconds(90)));
        assertThat(TimeoutConfig.DEFAULTS.tunnel()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void adminMaySharePortZeroOrThePortOfAnotherFamilyWithTheClientListener() throws Exception {
        // Port 0 binds an ephemeral port each time; 0.0.0.0 and [::1] are separate sockets on a dual-stack host.
        LoadBalancerConfig ephemeral = parse("listen: 127.0.0.1:0\nadmin: { listen: 127.0.0.1:0 }\n"
                + "pools: { app: { backends: [ { id: b1, address: \"localhost:1\" } ] } }\n");
        LoadBalancerConfig families = parse("listen: 0.0.0.0:8080\nadmin: { listen: \"[::1]:8080\" }\n"
                + "pools: { app: { backends: [ { id: b1, address: \"localhost:1\" } ] } }\n");

        assertThat(ephemeral.admin().listen()).isEqualTo(new Endpoint("127.0.0.1", 0));
        assertThat(families.admin().listen()).isEqualTo(new Endpoint("::1", 8080));
    }

    @Test
    void aBlankAdminTokenOnLoopbackMeansNoTokenAsAnEmptyOneDoes() throws Exception {
        LoadBalancerConfig config = parse("admin: { listen: 127.0.0.1:9090, token: \" \\t \" }\n"
                + "pools: { app: { backends: [ { id: b1, address: \"localhost:1\" } ] } }\n");

        assertThat(config.admin()).isEqualTo(new AdminConfig(new Endpoint("127.0.0.1", 9090), null));
    }

    @Test
    void emptyValuesCountAsAbsent() throws Exception {
        LoadBalancerConfig config = parse("""
                listen:
                admin: ~
                pools:
                  app:
                    timeouts:
                    backends: [ { id: b1, address: "localhost:1", weight: null } ]
                """);

        assertThat(config.listen()).isEqualTo(new Endpoint("127.0.0.1", 8080));
        assertThat(config.admin()).isEqualTo(AdminConfig.DISABLED);
        assertThat(config.pools().get("app").timeouts()).isEqualTo(TimeoutConfig.DEFAULTS);
        assertThat(config.pools().get("app").backends().get(0).weight()).isEqualTo(1);
    }

    @Test
    void aByteOrderMarkAtTheStartIsIgnored() throws Exception {
        LoadBalancerConfig config = parse("\uFEFFpools: { app: { backends: [ { id: b1, address: 'localhost:1' } ] } }");

        assertThat(config.pools()).containsOnlyKeys("app");
    }

    @Test
    void strategyNamesListEveryStrategyInAStableOrder() {
        assertThat(StrategyNames.STRATEGIES)
                .containsExactly("round-robin", "least-connections", "ip-hash", "header-hash", "cookie");
        assertThat(StrategyNames.FALLBACK_STRATEGIES).containsExactly("round-robin", "least-connections");
    }
}
