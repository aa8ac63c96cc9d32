package io.stickylb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendState;
import io.stickylb.config.AdminConfig;
import io.stickylb.config.ConfigLoader;
import io.stickylb.config.Endpoint;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lb status}, {@code lb backend ...} and {@code lb reload} against an instance running in-process. */
class AdminCommandsTest {

    @TempDir
    Path dir;

    private FakeBackend one;
    private FakeBackend two;
    private LoadBalancer lb;
    private String url;

    @BeforeEach
    void startBackends() throws IOException {
        one = FakeBackend.ok("one");
        two = FakeBackend.ok("two");
    }

    @AfterEach
    void stop() throws IOException {
        if (lb != null) {
            lb.close();
        }
        one.close();
        two.close();
    }

    private void start(LoadBalancerConfig config, String token) {
        lb = new LoadBalancer(config.withAdmin(new AdminConfig(new Endpoint("127.0.0.1", 0), token))).start();
        url = "http://127.0.0.1:" + lb.adminAddress().getPort();
    }

    private void start() {
        start(TestConfigs.roundRobin(one.port(), two.port()), null);
    }

    private Backend backend(String id) {
        return lb.upstreams().pool("app").backend(id).orElseThrow();
    }

    @Test
    void statusPrintsOneRowPerBackend() throws Exception {
        start();
        Http.get(lb.port(), "/");
        backend("b2").stats().countAffinity(io.stickylb.routing.AffinityOutcome.BROKEN_DOWN);

        Cli.Result r = Cli.run("status", "--admin", url);

        assertThat(r.err()).isEmpty();
        assertThat(r.exitCode()).isZero();
        String[] lines = r.out().split("\\R");
        assertThat(lines[0]).matches(
                "POOL +BACKEND +STATE +WEIGHT +SHARE +INFLIGHT +REQUESTS +ERRORS +AFFINITY BROKEN");
        assertThat(lines[1]).matches("app +b1 +UP +1 +100\\.0% +0 +1 +0 +0");
        assertThat(lines[2]).matches("app +b2 +UP +1 +0\\.0% +0 +0 +0 +1");
        assertThat(lines[3]).matches("clients: 1 open \\(max-connections 10000\\), 1 accepted, 0 refused since start");
        assertThat(lines).hasSize(4);
    }

    @Test
    void statusJsonIsTheApisJson() throws Exception {
        start();
        Cli.Result r = Cli.run("status", "--admin", url, "--json");

        assertThat(r.exitCode()).isZero();
        JsonNode json = AdminApi.JSON.readTree(r.out());
        assertThat(json.get("pools").get(0).get("backends").get(1).get("id").asText()).isEqualTo("b2");
    }

    @Test
    void drainMaintenanceAndEnableChangeTheBackend() {
        start();
        Cli.Result r = Cli.run("backend", "drain", "app", "b1", "--admin", url, "--until-idle", "1m",
                "--deadline", "10m");
        assertThat(r.err()).isEmpty();
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).isEqualTo("app/b1: DRAINING, weight 1, goes to maintenance once idle for 1m (deadline 10m)"
                + System.lineSeparator());
        assertThat(backend("b1").state()).isEqualTo(BackendState.DRAINING);

        Cli.Result status = Cli.run("status", "--admin", url);
        assertThat(status.out()).contains("app/b1 draining: 0 sticky request(s) in the last minute");

        r = Cli.run("backend", "maintenance", "app", "b1", "--admin", url);
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).startsWith("app/b1: MAINTENANCE");
        assertThat(backend("b1").state()).isEqualTo(BackendState.MAINTENANCE);

        r = Cli.run("backend", "enable", "app", "b1", "--admin", url);
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).startsWith("app/b1: UP");
        assertThat(backend("b1").state()).isEqualTo(BackendState.UP);
    }

    @Test
    void weightSetsAndResetsTheWeight() {
        start();
        Cli.Result r = Cli.run("backend", "weight", "app", "b2", "7", "--admin", url);
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).isEqualTo("app/b2: UP, weight 7 (configured 1)" + System.lineSeparator());
        assertThat(backend("b2").weight()).isEqualTo(7);
        assertThat(Cli.run("status", "--admin", url).out()).containsPattern("app +b2 +UP +7 \\(1\\)");

        assertThat(Cli.run("backend", "weight", "app", "b2", "0", "--admin", url).exitCode()).isZero();
        assertThat(backend("b2").weight()).isEqualTo(1);
    }

    @Test
    void aRefusalPrintsTheApisErrorAndExitsWithTwo() {
        start();
        Cli.Result r = Cli.run("backend", "drain", "app", "b9", "--admin", url);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo(
                "error: no backend 'b9' in pool 'app' (backends: b1, b2)" + System.lineSeparator());

        r = Cli.run("backend", "weight", "app", "b1", "5000", "--admin", url);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("weight: 5000 (expected: 1..1000");

        r = Cli.run("backend", "drain", "app", "b1", "--until-idle", "soon", "--admin", url);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("untilIdle").contains("'soon' is not a duration");
        assertThat(backend("b1").state()).isEqualTo(BackendState.UP);
    }

    @Test
    void anUnreachableAdminApiIsOneLineAndExitCodeOne() {
        int port = Cli.freePort();
        Cli.Result r = Cli.run("status", "--admin", "http://127.0.0.1:" + port);

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("error: cannot reach the admin API at http://127.0.0.1:" + port)
                .hasLineCount(1);
    }

    @Test
    void aTokenIsSentWhenGivenAndItsAbsenceIsARefusal() {
        start(TestConfigs.roundRobin(one.port(), two.port()), "t0ken");

        Cli.Result r = Cli.run("status", "--admin", url);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("missing admin token").contains("--token");

        r = Cli.run("backend", "maintenance", "app", "b1", "--admin", url, "--token", "wrong");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(backend("b1").state()).isEqualTo(BackendState.UP);

        r = Cli.run("status", "--admin", url, "--token", "t0ken");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("b1");
    }

    @Test
    void reloadAppliesTheEditedFile() throws Exception {
        Path file = dir.resolve("lb.yaml");
        Files.writeString(file, yaml(one.port()));
        start(ConfigLoader.load(file), null);
        Files.writeString(file, yaml(one.port(), two.port()));

        Cli.Result r = Cli.run("reload", "--admin", url);

        assertThat(r.err()).isEmpty();
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).isEqualTo("reloaded " + file + ": 1 pool, 2 backends (added: app/b2; removed: none)"
                + System.lineSeparator());
        assertThat(lb.upstreams().pool("app").backend("b2")).isPresent();
    }

    @Test
    void reloadPrintsTheFilesWarnings() throws Exception {
        Path file = dir.resolve("lb.yaml");
        Files.writeString(file, yaml(one.port()));
        start(ConfigLoader.load(file), null);
        Files.writeString(file, yaml(one.port(), one.port()));

        Cli.Result r = Cli.run("reload", "--admin", url);

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).endsWith("warning: " + file + ":14: pools.app.backends[1].address: backends 'b1' (line 11)"
                + " and 'b2' have the same address 127.0.0.1:" + one.port() + " (a copy-paste slip?); that server gets"
                + " the requests of both" + System.lineSeparator());
        assertThat(lb.upstreams().pool("app").backend("b2")).as("a warning, not a refusal").isPresent();
    }

    @Test
    void anInvalidFileIsRefusedWithItsLineAndChangesNothing() throws Exception {
        Path file = dir.resolve("lb.yaml");
        Files.writeString(file, yaml(one.port()));
        start(ConfigLoader.load(file), null);
        Files.writeString(file, yaml(one.port()).replace("weight: 1", "weight: 0"));

        Cli.Result r = Cli.run("reload", "--admin", url);

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: " + file + ":").contains("weight: 0 (expected: 1..1000)");
        assertThat(backend("b1").configuredWeight()).isEqualTo(1);
    }

    @Test
    void reloadWithoutAConfigFileIsRefused() {
        start();
        Cli.Result r = Cli.run("reload", "--admin", url);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("not started from a config file");
    }

    @Test
    void aBadAdminUrlIsAUsageError() {
        Cli.Result r = Cli.run("status", "--admin", "127.0.0.1:9090");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--admin");
    }

    private static String yaml(int... ports) {
        StringBuilder sb = new StringBuilder("""
                listen: 127.0.0.1:0
                workers: 1
                access-log: off
                admin:
                  listen: 127.0.0.1:0
                pools:
                  app:
                    strategy: round-robin
                    backends:
                """);
        for (int i = 0; i < ports.length; i++) {
            sb.append("      - id: b").append(i + 1).append('\n')
                    .append("        address: 127.0.0.1:").append(ports[i]).append('\n')
                    .append("        weight: 1\n");
        }
        return sb.append("routes:\n  - host: \"*\"\n    pool: app\n").toString();
    }
}
