package io.stickylb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher script bin/lb, run by sh with a stand-in java that prints the arguments it was given. */
class BinLbTest {

    private static final Path BIN_LB = Path.of("..", "bin", "lb").toAbsolutePath().normalize();
    private static final Instant JAR_TIME = Instant.parse("2026-01-01T10:00:00Z");

    @TempDir
    Path dir;
    private Path jar;
    private Path archive;
    private Path java;

    @BeforeEach
    void setUp() throws IOException {
        jar = Files.writeString(dir.resolve("lb.jar"), "not really a jar");
        Files.setLastModifiedTime(jar, FileTime.from(JAR_TIME));
        archive = dir.resolve("lb.jsa");
        java = Files.writeString(dir.resolve("java"), "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
    }

    @Test
    void startsWithTheBuildsArchiveWhenItIsThereAndNotOlderThanTheJar() throws Exception {
        archive(JAR_TIME.plusSeconds(4));

        List<String> args = launch(Map.of(), "run", "--config", "lb.yaml");

        assertThat(args).containsExactly("-Xlog:disable", "-Xlog:all=warning:stderr",
                "-XX:SharedArchiveFile=" + archive, "-XX:+UseParallelGC", "-Xms256m", "-Xmx256m",
                "-jar", jar.toString(), "run", "--config", "lb.yaml");
    }

    @Test
    void startsWithoutAnArchiveThatIsMissingOlderThanTheJarOrTurnedOff() throws Exception {
        assertThat(launch(Map.of(), "--version")).noneMatch(a -> a.contains("SharedArchiveFile"));

        archive(JAR_TIME.minusSeconds(60));
        assertThat(launch(Map.of(), "--version")).as("another build's archive")
                .noneMatch(a -> a.contains("SharedArchiveFile"));

        archive(JAR_TIME.plusSeconds(4));
        assertThat(launch(Map.of("LB_CDS", "0"), "--version")).noneMatch(a -> a.contains("SharedArchiveFile"));
    }

    @Test
    void lbJavaOptsReplaceTheDefaultOptionsButNotTheArchiveOrWhereWarningsGo() throws Exception {
        archive(JAR_TIME.plusSeconds(4));

        List<String> args = launch(Map.of("LB_JAVA_OPTS", "-Xmx1g -XX:+UseZGC"), "validate");

        assertThat(args).containsExactly("-Xlog:disable", "-Xlog:all=warning:stderr",
                "-XX:SharedArchiveFile=" + archive, "-Xmx1g", "-XX:+UseZGC", "-jar", jar.toString(), "validate");
    }

    @Test
    void aMissingJarIsAClearErrorWithExitCodeTwo() throws Exception {
        Files.delete(jar);

        Process p = start(Map.of(), "--version");

        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
                .contains(jar + " not found").contains("mvn -B -ntp -q package -DskipTests");
    }

    private void archive(Instant modified) throws IOException {
        Files.writeString(archive, "not really an archive");
        Files.setLastModifiedTime(archive, FileTime.from(modified));
    }

    private List<String> launch(Map<String, String> env, String... args) throws Exception {
        Process p = start(env, args);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        return out.lines().toList();
    }

    private Process start(Map<String, String> env, String... args) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of("sh", BIN_LB.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().remove("LB_JAVA_OPTS");
        pb.environment().remove("LB_CDS");
        pb.environment().put("LB_JAR", jar.toString());
        pb.environment().put("JAVA", java.toString());
        pb.environment().putAll(env);
        return pb.start();
    }
}
