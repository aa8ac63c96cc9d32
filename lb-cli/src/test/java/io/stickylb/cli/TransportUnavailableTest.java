package io.stickylb.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A transport the config names explicitly but this machine cannot load stops {@code lb run} with exit 1 and the
 * reason, before anything listens; {@code auto} falls back to NIO. Netty's own switch makes both native transports
 * unavailable in a child JVM, as on a machine without them.
 */
class TransportUnavailableTest {

    private static final List<String> NO_NATIVE = List.of("-Dio.netty.transport.noNative=true");

    @TempDir
    Path dir;

    private IdServer backend;
    private Process process;

    @BeforeEach
    void setUp() throws IOException {
        backend = new IdServer("b1");
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        Cli.kill(process);
        backend.close();
    }

    @ParameterizedTest
    @CsvSource({"epoll, epoll", "io-uring, io_uring"})
    void anExplicitTransportThatCannotLoadStopsTheStartWithItsReason(String configured, String shown)
            throws Exception {
        int port = Cli.freePort();
        process = Cli.spawn(dir.resolve("lb.log"), NO_NATIVE, "run", "--warmup", "0", "--config",
                config(port, configured).toString());

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(LbCommand.FAILURE);
        assertThat(log()).contains("error: transport " + shown + " is not available here (Native transport was"
                + " explicit disabled with -Dio.netty.transport.noNative=true); use transport: auto")
                .doesNotContain("listening").doesNotContain("Exception");
        assertThat(Http.listening(port)).isFalse();
    }

    @Test
    void validateAcceptsTheFileAndWarnsThatThisMachineCannotRunIt() throws Exception {
        Path file = config(Cli.freePort(), "io-uring");
        process = Cli.spawn(dir.resolve("lb.log"), NO_NATIVE, "validate", "--config", file.toString());

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(LbCommand.OK);
        assertThat(log()).contains(file + ": OK (1 pool, 1 backend, 1 route)").contains("warning: transport io_uring"
                + " is not available here (Native transport was explicit disabled with"
                + " -Dio.netty.transport.noNative=true); use transport: auto; lb run would stop with exit 1 on this"
                + " machine");
    }

    @ParameterizedTest
    @CsvSource({"auto", "nio"})
    void autoAndNioRunOnNioThere(String configured) throws Exception {
        int port = Cli.freePort();
        process = Cli.spawn(dir.resolve("lb.log"), NO_NATIVE, "run", "--warmup", "0", "--config",
                config(port, configured).toString());

        await().atMost(Duration.ofSeconds(30)).until(() -> "b1".equals(Http.backendId(port)));
        assertThat(log()).contains("(1 worker thread, nio transport)");
    }

    private Path config(int port, String transport) throws IOException {
        return Files.writeString(dir.resolve("lb.yaml"), "listen: 127.0.0.1:" + port + "\n"
                + "workers: 1\n"
                + "transport: " + transport + "\n"
                + "access-log: off\n"
                + "pools:\n"
                + "  app:\n"
                + "    backends:\n"
                + "      - { id: b1, address: 127.0.0.1:" + backend.port() + " }\n");
    }

    private String log() throws IOException {
        return Files.readString(dir.resolve("lb.log"));
    }
}
