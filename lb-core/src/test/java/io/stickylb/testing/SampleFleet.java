package io.stickylb.testing;

import io.stickylb.sample.SampleBackend;
import java.util.ArrayList;
import java.util.List;

/** Sample backends b1..bN on free loopback ports, in process, closed together. */
public final class SampleFleet implements AutoCloseable {

    private final List<SampleBackend> backends = new ArrayList<>();

    /** Starts {@code n} more, named on from the ones started before; returns their ports. */
    public int[] start(int n) {
        int[] ports = new int[n];
        for (int i = 0; i < n; i++) {
            SampleBackend b = SampleBackend.startNew("b" + (backends.size() + 1));
            backends.add(b);
            ports[i] = b.port();
        }
        return ports;
    }

    /** The {@code i}-th started (0 is b1). */
    public SampleBackend get(int i) {
        return backends.get(i);
    }

    @Override
    public void close() {
        backends.forEach(SampleBackend::close);
    }
}
