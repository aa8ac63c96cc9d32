package io.stickylb.lab;

import io.stickylb.sample.SampleBackend;
import io.stickylb.sample.SampleBackendOptions;
import io.stickylb.sample.capacity.ServiceTimeDistribution;

/**
 * A sample backend inside the lab's JVM: starts in milliseconds and serves every fault but a real SIGKILL (a
 * {@code kill} closes its listener and connections at once and drops its memory, which is close, but a process
 * backend is used for kills unless the scenario says {@code mode: in-process}).
 */
final class InProcessBackend implements LabBackend {

    private final SampleBackend backend;
    private final int port;

    private InProcessBackend(SampleBackend backend) {
        this.backend = backend;
        this.port = backend.port();
    }

    static LabBackend start(String id, BackendSpec spec, String sessionStore, long seed) {
        SampleBackendOptions options = SampleBackendOptions.builder(id)
                .sessionStore(sessionStore)
                .serviceTime(spec.serviceTime(),
                        spec.serviceTimeDistribution() == BackendSpec.ServiceTimeDistribution.FIXED
                                ? ServiceTimeDistribution.FIXED : ServiceTimeDistribution.EXPONENTIAL)
                .maxConcurrency(spec.maxConcurrency())
                .seed(seed)
                .build();
        SampleBackend backend = new SampleBackend(options);
        try {
            backend.start();
        } catch (RuntimeException e) {
            throw new LabException("backend " + id + " did not start: " + e.getMessage(), e);
        }
        return new InProcessBackend(backend);
    }

    /** A lab backend over a sample backend already started (tests that read its counters after the run). */
    static LabBackend of(SampleBackend started) {
        return new InProcessBackend(started);
    }

    @Override
    public String id() {
        return backend.id();
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public void kill() {
        backend.stop();
    }

    @Override
    public void stop() {
        backend.stop();
    }

    @Override
    public void close() {
        backend.stop();
    }
}
