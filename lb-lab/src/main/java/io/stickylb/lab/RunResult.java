package io.stickylb.lab;

import java.util.List;
import java.util.Map;

/**
 * The measurements of one strategy run, as written to {@code results.json} (one element of {@code runs}).
 * Totals count requests due after the warm-up, and {@code unsent} those of them never sent, so in open loop
 * {@code requests + unsent} is the number of scheduled requests in the window; the timeline covers the whole run in
 * one-second buckets.
 * {@code imbalanceMaxMean} and {@code cov} describe per-backend request counts in the steady window (after the
 * warm-up, before the first fault); {@code sessionsLostExpected} is the number of sessions that were pinned to a
 * failed backend when it failed and whose clients came back afterwards (0 with a Redis store).
 * {@code affinityRatio} is null when no request carried a session cookie: 0 of 0 is not "no affinity".
 */
public record RunResult(
        String name,
        String strategy,
        String sessionStore,
        boolean interrupted,
        double seconds,
        long requests,
        long errors,
        Map<String, Long> errorsByKind,
        long unsent,
        double achievedRps,
        double imbalanceMaxMean,
        double cov,
        String imbalanceWindow,
        Double affinityRatio,
        long requestsWithSession,
        long affineRequests,
        long sessionsCreated,
        long sessionsLost,
        long sessionsLostExpected,
        double p50Ms,
        double p99Ms,
        double p999Ms,
        double maxMs,
        long retries,
        List<BackendResult> perBackend,
        List<EventResult> events,
        Timeline timeline) {

    /** One backend in one run. */
    public record BackendResult(
            String id,
            long requests,
            double share,
            long steadyRequests,
            double steadyShare,
            int inFlightPeak,
            long sessionsCreated,
            double p50Ms,
            double p99Ms,
            double p999Ms,
            long retries) {
    }

    /**
     * One fault in one run: when it fired, how long until the proxy marked the backend DOWN (null: not marked), the
     * sessions pinned to it, how many of those clients came back and lost their session, every session lost until
     * the next fault, and how many returning clients landed on another backend than before.
     */
    public record EventResult(
            String label,
            String action,
            String backend,
            double atSeconds,
            Double downAfterMs,
            long sessionsPinned,
            long sessionsLostExpected,
            long pinnedSessionsLost,
            long sessionsLostUntilNext,
            long clientsReturned,
            long clientsMoved,
            double movedFraction) {
    }

    /** Per-second counts over the whole run: requests per backend, sessions lost, errors. */
    public record Timeline(List<String> backends, long[][] requests, long[] sessionsLost, long[] errors) {
    }
}
