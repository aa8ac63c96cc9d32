package io.stickylb.lab;

/**
 * One sample backend of a run, as a child process or inside the lab's JVM. The lab only talks to it over HTTP
 * (the proxy forwards to {@link #port()}; faults use {@code /control/health}) and through these life-cycle calls.
 */
interface LabBackend extends AutoCloseable {

    String id();

    int port();

    /** SIGKILL for a process; an in-process backend closes every connection at once. */
    void kill();

    /** A graceful stop (SIGTERM). */
    void stop();

    /** Stops it if still running, whatever way is quickest. */
    @Override
    void close();
}
