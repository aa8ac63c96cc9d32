package io.stickylb.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stickylb.config.ConfigException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioLoaderTest {

    private static final String ISSUE_FORM = """
            name: failover
            seed: 42
            duration: 30s
            warmup: 2s
            backends: { count: 3, service-time: 2ms, max-concurrency: 64, session-store: memory }
            clients:
              count: 2000
              rate: { distribution: zipf, s: 1.1, total-rps: 1500 }
              think-time: 0ms
              keep-cookies: 1.0
              nat-groups: 0
              source: forwarded
            strategies:
              - { name: rr, strategy: round-robin }
              - { name: cookie, strategy: cookie }
              - { name: ip-maglev, strategy: ip-hash, hash: maglev }
              - { name: ip-modulo, strategy: ip-hash, hash: modulo }
              - { name: cookie-bounded, strategy: cookie, balance-factor: 1.25 }
              - { name: cookie-redis, strategy: cookie, session-store: redis }
            events:
              - { at: 10s, action: kill, backend: 2 }
            """;

    @Test
    void theFormFromTheIssueIsAccepted() throws ConfigException {
        Scenario s = ScenarioLoader.parse(ISSUE_FORM, "failover.yaml");
        assertThat(s.name()).isEqualTo("failover");
        assertThat(s.seed()).isEqualTo(42);
        assertThat(s.duration()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.warmup()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.backends().count()).isEqualTo(3);
        assertThat(s.backends().serviceTime()).isEqualTo(Duration.ofMillis(2));
        assertThat(s.backends().maxConcurrency()).isEqualTo(64);
        assertThat(s.clients().count()).isEqualTo(2000);
        assertThat(s.clients().distribution()).isEqualTo(ClientSpec.RateDistribution.ZIPF);
        assertThat(s.clients().zipfS()).isEqualTo(1.1);
        assertThat(s.clients().totalRps()).isEqualTo(1500);
        assertThat(s.strategies()).extracting(StrategySpec::name)
                .containsExactly("rr", "cookie", "ip-maglev", "ip-modulo", "cookie-bounded", "cookie-redis");
        assertThat(s.strategies().get(3).pool().hash()).isEqualTo("modulo");
        assertThat(s.strategies().get(4).pool().balanceFactor()).isEqualTo(1.25);
        assertThat(s.strategies().get(5).sessionStore()).isEqualTo(SessionStore.REDIS);
        assertThat(s.strategies().get(0).sessionStore()).isEqualTo(SessionStore.MEMORY);
        assertThat(s.events()).containsExactly(new FaultEvent(Duration.ofSeconds(10), FaultEvent.Action.KILL, 1, 1));
        // Active health checks are added so a kill is noticed quickly.
        assertThat(s.strategies().get(2).pool().health().active().interval()).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void everyShippedScenarioLoads() throws Exception {
        try (Stream<Path> files = Files.list(shipped())) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                Scenario s = ScenarioLoader.load(f);
                assertThat(s.strategies()).as(f.toString()).isNotEmpty();
            }
        }
    }

    @Test
    void aShorterDurationScalesTheFaultSchedule() throws ConfigException {
        Scenario s = ScenarioLoader.parse(ISSUE_FORM, "failover.yaml").withDuration(Duration.ofSeconds(3));
        assertThat(s.events().get(0).at()).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.warmup()).isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void strategyHealthGivenInTheScenarioIsKept() throws ConfigException {
        String yaml = ISSUE_FORM.replace("- { name: rr, strategy: round-robin }",
                "- { name: rr, strategy: round-robin, health: { active: { interval: 1s } } }");
        Scenario s = ScenarioLoader.parse(yaml, "x.yaml");
        assertThat(s.strategies().get(0).pool().health().active().interval()).isEqualTo(Duration.ofSeconds(1));
    }

    static Stream<Arguments> errors() {
        return Stream.of(
                Arguments.of("duration: 30s", "duration: 3x",
                        "failover.yaml:3: duration: '3x' is not a duration (expected e.g. 250ms, 2s, 1m, 1h)"),
                Arguments.of("seed: 42", "seed: 42\nbogus: 1", "failover.yaml:3: bogus: unknown key"),
                Arguments.of("count: 2000", "count: lots", "failover.yaml:7: clients.count: 'lots' is not an integer"),
                Arguments.of("s: 1.1", "s: -1", "failover.yaml:8: clients.rate.s: -1 (expected: 0..10)"),
                Arguments.of("distribution: zipf", "distribution: pareto",
                        "failover.yaml:8: clients.rate.distribution: 'pareto' (expected one of: uniform, zipf)"),
                Arguments.of("keep-cookies: 1.0", "keep-cookies: 1.5",
                        "failover.yaml:10: clients.keep-cookies: 1.5 (expected: 0..1)"),
                Arguments.of("hash: modulo", "hash: moduloo",
                        "failover.yaml:17: strategies[3].hash: 'moduloo' is not a hash (did you mean 'modulo'?"),
                Arguments.of("strategy: round-robin", "strategy: random",
                        "failover.yaml:14: strategies[0].strategy: 'random' is not a strategy"),
                Arguments.of("balance-factor: 1.25", "balance-factor: 0.5",
                        "failover.yaml:18: strategies[4].balance-factor: 0.5 (expected: 0 (off) or >= 1.0)"),
                Arguments.of("name: ip-modulo", "name: ip-maglev",
                        "failover.yaml:17: strategies[3].name: duplicate strategy name 'ip-maglev'"),
                Arguments.of("backend: 2", "backend: 7",
                        "failover.yaml:21: events[0].backend: backend 7 does not exist (expected 1..3)"),
                Arguments.of("action: kill", "action: explode",
                        "failover.yaml:21: events[0].action: 'explode' (expected one of: kill, stop, unhealthy"),
                Arguments.of("at: 10s", "at: 40s", "failover.yaml:21: events[0].at: 40000ms is not within the run"),
                Arguments.of("at: 10s", "at: 1500ms",
                        "failover.yaml:21: events[0].at: 1500ms is not after the warm-up (2000ms)"),
                Arguments.of("session-store: redis }", "session-store: mongo }",
                        "failover.yaml:19: strategies[5].session-store: 'mongo' (expected one of: memory, redis)"),
                Arguments.of("clients:\n", "clientz:\n", "failover.yaml:6: clientz: unknown key"),
                Arguments.of("  - { name: rr, strategy: round-robin }",
                        "  - { name: rr, strategy: round-robin, backends: [] }",
                        "failover.yaml:14: strategies[0].backends: the lab supplies the backends"),
                Arguments.of("warmup: 2s", "warmup: 31s", "failover.yaml:4: warmup: warm-up 31000ms is not shorter"),
                Arguments.of("backend: 2 }", "backend: 2, weight: 3 }",
                        "failover.yaml:21: events[0].weight: weight is for add-backend"),
                Arguments.of("name: failover", "name: ../escaped",
                        "failover.yaml:1: name: '../escaped' (expected 1-64 letters, digits, '.', '_' or '-'"),
                Arguments.of("name: failover", "name: ..", "failover.yaml:1: name: '..' (expected"),
                Arguments.of("name: ip-modulo", "name: ..", "failover.yaml:17: strategies[3].name: '..' (expected"),
                // A run labelled with a setting its strategy never reads would report something it did not measure.
                Arguments.of("strategy: ip-hash, hash: modulo", "strategy: round-robin, hash: modulo",
                        "failover.yaml:17: strategies[3].hash: ignored: strategy is round-robin, and hash applies only"
                                + " to ip-hash and header-hash"),
                Arguments.of("nat-groups: 0", "nat-groups: 2001",
                        "failover.yaml:11: clients.nat-groups: 2001 clients per address, but there are only 2000"));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("errors")
    void errorsNameTheFileLineAndKey(String from, String to, String expected) {
        String yaml = ISSUE_FORM.replaceFirst(java.util.regex.Pattern.quote(from),
                java.util.regex.Matcher.quoteReplacement(to));
        assertThat(yaml).isNotEqualTo(ISSUE_FORM);
        assertThatThrownBy(() -> ScenarioLoader.parse(yaml, "failover.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(expected);
    }

    @Test
    void yamlSyntaxErrorsHaveALine() {
        assertThatThrownBy(() -> ScenarioLoader.parse("name: x\nbackends: { count: 3\n", "bad.yaml"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("bad.yaml:3: YAML syntax error");
    }

    @Test
    void aFileFarLargerThanAnyScenarioIsRefusedWithoutReadingItWhole(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("huge.yaml");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(3L << 30);
        }

        assertThatThrownBy(() -> ScenarioLoader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ": cannot read: larger than 4 MiB, which is no config");
    }

    @Test
    void aDeeplyNestedScenarioIsRefusedAtItsLineInsteadOfOverflowingTheStack() {
        String yaml = "name: x\nbackends: " + "[".repeat(20_000) + "]".repeat(20_000) + "\n";

        assertThatThrownBy(() -> ScenarioLoader.parse(yaml, "bad.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("bad.yaml:2: nested more than 64 levels deep (a config needs a handful)");
    }

    @Test
    void aNameTakenFromTheFileNameMustBeADirectoryName() {
        assertThatThrownBy(() -> ScenarioLoader.parse("duration: 5s\nbackends: { count: 2 }\nclients: { count: 10 }\n"
                + "strategies:\n  - { strategy: round-robin }\n", "my scenario.yaml"))
                .hasMessageStartingWith("my scenario.yaml:1: name: 'my scenario' (expected")
                .hasMessageEndingWith("taken from the file name: set name:");
    }

    @Test
    void missingSectionsAreNamed() {
        assertThatThrownBy(() -> ScenarioLoader.parse("name: x\nduration: 5s\nbackends: { count: 2 }\n"
                + "clients: { count: 10 }\n", "min.yaml"))
                .hasMessage("min.yaml:1: strategies: missing required key");
    }

    static Path shipped() {
        Path p = Path.of("config", "experiments");
        return Files.isDirectory(p) ? p : Path.of("..", "config", "experiments");
    }
}
