package io.stickylb.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The sample backends of one strategy run, by index ({@code b1} is 0). Started in parallel; a restarted backend
 * takes a new port (the run reloads the proxy's config with it); every backend is stopped when the fleet closes.
 */
final class BackendFleet implements AutoCloseable {

    /** Starts backend {@code id}; {@code index} seeds its service times. */
    @FunctionalInterface
    interface Starter {
        LabBackend start(String id, int index);
    }

    private final Starter starter;
    private final List<LabBackend> backends = new ArrayList<>();
    private final List<LabBackend> retired = new ArrayList<>();

    BackendFleet(Starter starter) {
        this.starter = starter;
    }

    /** Starts {@code count} backends b1..bN at once and waits for all of them; if one fails, all are stopped. */
    void start(int count) {
        List<CompletableFuture<LabBackend>> starting = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int index = i;
            starting.add(CompletableFuture.supplyAsync(() -> starter.start(id(index), index)));
        }
        RuntimeException failure = null;
        for (CompletableFuture<LabBackend> f : starting) {
            try {
                backends.add(f.join());
            } catch (CompletionException e) {
                failure = failure != null ? failure
                        : e.getCause() instanceof RuntimeException r ? r : new LabException(e.getMessage(), e);
            }
        }
        if (failure != null) {
            close();
            throw failure;
        }
    }

    static String id(int index) {
        return "b" + (index + 1);
    }

    /** The index of a backend id ({@code b3} is 2), or -1. */
    static int index(String id) {
        if (id == null || id.length() < 2 || id.charAt(0) != 'b') {
            return -1;
        }
        try {
            return Integer.parseInt(id, 1, id.length(), 10) - 1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    LabBackend get(int index) {
        return backends.get(index);
    }

    int size() {
        return backends.size();
    }

    /** Starts one more backend, b(N+1), and returns its index. */
    int add() {
        int index = backends.size();
        backends.add(starter.start(id(index), index));
        return index;
    }

    /** Starts backend {@code index} again, with empty memory, on a new port; the old one must be down. */
    LabBackend restart(int index) {
        LabBackend old = backends.get(index);
        old.close();
        retired.add(old);
        LabBackend fresh = starter.start(id(index), index);
        backends.set(index, fresh);
        return fresh;
    }

    @Override
    public void close() {
        for (LabBackend b : backends) {
            b.close();
        }
        retired.forEach(LabBackend::close);
    }
}
