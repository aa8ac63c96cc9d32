package io.stickylb.lab;

import java.time.Duration;

/**
 * One entry of the fault schedule: at {@code at} after the run starts, do {@code action} to backend {@code backend}
 * (0-based; -1 for actions that name none, such as {@code add-backend}).
 */
public record FaultEvent(Duration at, Action action, int backend, int weight) {

    /** What happens to the backend. */
    public enum Action {
        /** SIGKILL of the backend process: sessions in its memory are gone, connections reset. */
        KILL,
        /** Graceful stop (SIGTERM). */
        STOP,
        /** The backend's health endpoint answers 503 from now on; it keeps serving requests. */
        UNHEALTHY,
        /** The backend's health endpoint answers 200 again. */
        HEALTHY,
        /** A stopped or killed backend starts again (with empty memory). */
        RESTART,
        /** A new backend is started and added to the pool by a config reload. */
        ADD_BACKEND,
        /** The operator drains the backend: sticky clients stay, new clients go elsewhere. */
        DRAIN,
        /** The backend leaves the pool by a config reload; the process keeps running. */
        REMOVE;

        public String yamlName() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    public FaultEvent at(Duration newAt) {
        return new FaultEvent(newAt, action, backend, weight);
    }

    /** A label for charts and tables: {@code kill b2 @10s}. */
    public String label() {
        return action.yamlName() + (backend >= 0 ? " b" + (backend + 1) : "") + " @" + seconds(at);
    }

    private static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
    }
}
