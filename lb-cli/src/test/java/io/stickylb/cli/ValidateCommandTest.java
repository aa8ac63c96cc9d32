package io.stickylb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ValidateCommandTest {

    @TempDir
    Path dir;

    static Stream<Path> shippedConfigs() throws IOException {
        Path config = Cli.configDir();
        try (Stream<Path> examples = Files.list(config.resolve("examples"))) {
            List<Path> files = examples.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
            assertThat(files).isNotEmpty();
            return Stream.concat(Stream.of(config.resolve("lb.yaml")), files.stream());
        }
    }

    @ParameterizedTest
    @MethodSource("shippedConfigs")
    void everyShippedConfigIsValid(Path file) {
        Cli.Result r = Cli.run("validate", "--config", file.toString());

        assertThat(r.err()).isEmpty();
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).matches("\\Q" + file + "\\E: OK \\(\\d+ pools?, \\d+ backends?, \\d+ routes?\\)\\R");
    }

    static Stream<Path> shippedScenarios() throws IOException {
        try (Stream<Path> scenarios = Files.list(Cli.configDir().resolve("experiments"))) {
            List<Path> files = scenarios.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
            assertThat(files).isNotEmpty();
            return files.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("shippedScenarios")
    void anExperimentScenarioIsRecognisedAndPointedAtLbExperiment(Path file) {
        Cli.Result r = Cli.run("validate", "--config", file.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo(file + ": this is an experiment scenario, not a proxy config; run it with:"
                + " lb experiment --scenario " + file + System.lineSeparator());
    }

    @Test
    void theDefaultConfigIsSummarised() {
        Path file = Cli.configDir().resolve("lb.yaml");

        Cli.Result r = Cli.run("validate", "-c", file.toString());

        assertThat(r.out()).isEqualTo(file + ": OK (1 pool, 3 backends, 1 route)" + System.lineSeparator());
    }

    @Test
    void theRoutesExampleHasThreePoolsAndThreeRoutes() {
        Path file = Cli.configDir().resolve("examples/routes.yaml");

        Cli.Result r = Cli.run("validate", "--config", file.toString());

        assertThat(r.out()).contains(": OK (3 pools, 5 backends, 3 routes)");
    }

    @Test
    void aCookiePoolWithoutASecretPassesWithAWarningOnStderr() throws IOException {
        Path file = write("""
                listen: 127.0.0.1:8080
                pools:
                  shop:
                    strategy: cookie
                    backends:
                      - { id: b1, address: 127.0.0.1:9001 }
                """);

        Cli.Result r = Cli.run("validate", "--config", file.toString());

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains(": OK (1 pool, 1 backend, 1 route)");
        assertThat(r.err()).startsWith("warning: pool 'shop': no affinity secret configured")
                .contains("affinity.secret");
        assertOneLine(r.err());

        Path signed = write("""
                listen: 127.0.0.1:8080
                pools:
                  shop:
                    strategy: cookie
                    affinity: { secret: s3cret-from-a-vault }
                    backends:
                      - { id: b1, address: 127.0.0.1:9001 }
                """);
        assertThat(Cli.run("validate", "--config", signed.toString()).err()).isEmpty();

        Path prefixIdle = write("""
                listen: 127.0.0.1:8080
                pools:
                  shop:
                    strategy: cookie
                    affinity: { mode: prefix, secret: s3cret-from-a-vault, max-idle: 30m }
                    backends:
                      - { id: b1, address: 127.0.0.1:9001 }
                """);
        Cli.Result prefix = Cli.run("validate", "--config", prefixIdle.toString());
        assertThat(prefix.exitCode()).isZero();
        assertThat(prefix.err()).startsWith("warning: pool 'shop': affinity max-idle is ignored in prefix mode");
        assertOneLine(prefix.err());
    }

    @Test
    void aCidrWithHostBitsPassesWithAWarningNamingFileLineKeyAndTheNetwork() throws IOException {
        Path file = write("""
                listen: 127.0.0.1:8080
                trusted-proxies: [ 192.168.0.0/16, 10.0.0.1/8 ]
                pools:
                  app:
                    backends:
                      - { id: b1, address: 127.0.0.1:9001 }
                """);

        Cli.Result r = Cli.run("validate", "--config", file.toString());

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains(": OK (1 pool, 1 backend, 1 route)");
        assertThat(r.err()).isEqualTo("warning: " + file + ":2: trusted-proxies[1]: low address bits of 10.0.0.1/8 are"
                + " meaningless; it is read as 10.0.0.0/8 (write that, or the address alone for one host)"
                + System.lineSeparator());
    }

    @Test
    void twoBackendsOfOnePoolOnOneAddressPassWithAWarningNamingBoth() throws IOException {
        Path file = write("""
                pools:
                  app:
                    backends:
                      - { id: b1, address: 127.0.0.1:9001 }
                      - { id: b2, address: 127.0.0.1:9002 }
                      - { id: b3, address: 127.0.0.1:9001 }
                """);

        Cli.Result r = Cli.run("validate", "--config", file.toString());

        assertThat(r.exitCode()).isZero();
        assertThat(r.err()).isEqualTo("warning: " + file + ":6: pools.app.backends[2].address: backends 'b1' (line 4)"
                + " and 'b3' have the same address 127.0.0.1:9001 (a copy-paste slip?); that server gets the requests"
                + " of both" + System.lineSeparator());
    }

    @Test
    void aBackendHostNameThatDoesNotResolveHerePassesWithAWarning() throws IOException {
        // RFC 6761: .invalid never resolves, and the resolver may say so without asking any DNS server.
        Path file = write("""
                pools:
                  app:
                    backends:
                      - { id: b1, address: "localhost:9001" }
                      - { id: b2, address: "api.stickylb-test.invalid:9002" }
                      - { id: b3, address: "[::1]:9003" }
                """);

        Cli.Result r = Cli.run("validate", "--config", file.toString());

        assertThat(r.exitCode()).as("the name may resolve on the production host").isZero();
        assertThat(r.out()).contains(": OK (1 pool, 3 backends, 1 route)");
        assertThat(r.err()).startsWith("warning: pool 'app': backend b2 host \"api.stickylb-test.invalid\" does not"
                + " resolve: ").endsWith(" (lb run fails its connections until it does)" + System.lineSeparator());
        assertOneLine(r.err());
    }

    @Test
    void anUnknownKeyIsReportedWithFileLineAndKey() throws IOException {
        Path file = write("""
                listen: 127.0.0.1:8080
                pools:
                  app:
                    strategy: round-robin
                    backends:
                      - { id: b1, address: 127.0.0.1:9001 }
                    timeout: { connect: 1s }
                """);

        Cli.Result r = Cli.run("validate", "--config", file.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith(file + ":7: pools.app.timeout: ").contains("unknown key");
        assertOneLine(r.err());
    }

    @Test
    void aBadDurationIsReportedWithFileLineAndKey() throws IOException {
        Path file = write("""
                listen: 127.0.0.1:8080
                pools:
                  app:
                    strategy: round-robin
                    backends:
                      - { id: b1, address: 127.0.0.1:9001 }
                    timeouts:
                      connect: 2 seconds
                """);

        Cli.Result r = Cli.run("validate", "--config", file.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith(file + ":8: pools.app.timeouts.connect: ").contains("2 seconds");
        assertOneLine(r.err());
    }

    @Test
    void aDuplicateBackendIdIsReportedWithFileLineAndKey() throws IOException {
        Path file = write("""
                pools:
                  app:
                    backends:
                      - { id: b1, address: 127.0.0.1:9001 }
                      - { id: b1, address: 127.0.0.1:9002 }
                """);

        Cli.Result r = Cli.run("validate", "--config", file.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith(file + ":5: pools.app.backends[1].id: ").contains("duplicate").contains("b1");
        assertOneLine(r.err());
    }

    @Test
    void aRouteToAMissingPoolIsReportedWithFileLineAndKey() throws IOException {
        Path file = write("""
                pools:
                  app:
                    backends:
                      - { id: b1, address: 127.0.0.1:9001 }
                routes:
                  - { host: "*", path-prefix: /, pool: app }
                  - { host: api.example.com, pool: api }
                """);

        Cli.Result r = Cli.run("validate", "--config", file.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith(file + ":7: routes[1].pool: ").contains("api");
        assertOneLine(r.err());
    }

    @Test
    void aDeeplyNestedFileIsABadConfigNotACrash() throws IOException {
        Path file = write("listen: " + "[".repeat(20_000) + "]".repeat(20_000) + "\n");

        Cli.Result r = Cli.run("validate", "--config", file.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo(file + ":1: nested more than 64 levels deep (a config needs a handful)"
                + System.lineSeparator());
    }

    @Test
    void aMissingFileIsABadConfig() {
        Path file = dir.resolve("nope.yaml");

        Cli.Result r = Cli.run("validate", "--config", file.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("nope.yaml");
        assertOneLine(r.err());
    }

    @Test
    void exitCodesDoNotDependOnMainsExceptionHandler() throws IOException {
        Path bad = write("lisen: 127.0.0.1:8080\n");

        assertThat(Cli.runPlain("validate", "--config", bad.toString()).exitCode()).isEqualTo(2);
        assertThat(Cli.runPlain("validate", "--config", Cli.configDir().resolve("lb.yaml").toString()).exitCode())
                .isZero();
    }

    @Test
    void withoutConfigOptionItIsAUsageError() {
        Cli.Result r = Cli.run("validate");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("Missing required option").contains("--config");
    }

    private Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("bad.yaml"), yaml);
    }

    private static void assertOneLine(String text) {
        assertThat(text.strip()).doesNotContain("\n");
    }
}
