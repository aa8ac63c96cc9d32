package io.stickylb.cli;

import io.stickylb.config.BackendConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.sample.SampleBackend;
import io.stickylb.sample.SampleBackendOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's sample backends b1..bN in this JVM, each on a free loopback port with its id as jvm-route (so session ids
 * end in {@code .b1} like Tomcat's); {@link #close()} stops them all.
 */
final class DemoBackends implements AutoCloseable {

    static final String HOST = "127.0.0.1";

    private final List<SampleBackend> running = new ArrayList<>();

    private DemoBackends() {
    }

    /** Starts {@code count} backends; if one fails, those already started are stopped again. */
    static DemoBackends start(int count) {
        DemoBackends backends = new DemoBackends();
        try {
            for (int i = 1; i <= count; i++) {
                String id = "b" + i;
                SampleBackend backend = new SampleBackend(
                        SampleBackendOptions.builder(id).host(HOST).port(0).jvmRoute(id).build());
                backend.start();
                backends.running.add(backend);
            }
        } catch (RuntimeException e) {
            backends.close();
            throw e;
        }
        return backends;
    }

    /** The running backends as pool members: id b1..bN, loopback address, weight 1, route = id. */
    List<BackendConfig> configs() {
        List<BackendConfig> configs = new ArrayList<>();
        for (SampleBackend b : running) {
            configs.add(new BackendConfig(b.id(), new Endpoint(HOST, b.port()), BackendConfig.DEFAULT_WEIGHT, b.id()));
        }
        return configs;
    }

    /** Stops every backend; idempotent. */
    @Override
    public synchronized void close() {
        for (int i = running.size() - 1; i >= 0; i--) {
            running.get(i).stop();
        }
        running.clear();
    }
}
