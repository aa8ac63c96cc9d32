package io.stickylb.lab;

/**
 * Where the sample backends keep their sessions during a run: in their own memory (dies with the process) or in a
 * shared Redis server (survives any backend). A replicated store would be one more constant here and one more
 * {@code --session-store} form in {@link BackendLauncher}.
 */
public enum SessionStore {
    MEMORY, REDIS;

    public String yamlName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
