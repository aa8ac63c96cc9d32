package io.stickylb.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * Everything measured in one strategy run, fed by the load driver's event loop (single writer, no locks): requests
 * per backend per one-second bucket, latency histograms per backend and overall, affinity and session counts, errors
 * by kind, per-backend in-flight peaks sampled from the proxy, and one {@link FaultTracker} per fault. Requests due
 * during the warm-up (by their latency origin, so the measured requests are the schedule's, however late they were
 * sent) appear in the timeline but not in the totals. The progress display reads the volatile counters.
 */
final class RunRecorder {

    private static final long HIGHEST_MICROS = 120_000_000L;

    final int maxBackends;
    final long warmupNanos;
    final long durationNanos;
    final int seconds;
    final long[][] perSecond;
    final long[] lostPerSecond;
    final long[] errorsPerSecond;
    final long[] total;
    /** Requests per backend in the imbalance window: after warm-up, before the first fault. */
    final long[] steady;
    final long[] createdOn;
    final int[] inFlightPeak;
    final Histogram overall = histogram();
    final Histogram[] latency;
    final Map<String, Long> errorsByKind = new TreeMap<>();
    final List<FaultTracker> faults = new ArrayList<>();
    long steadyEndNanos;
    long withSession;
    long affine;
    long sessionsCreated;
    long sessionsLost;
    volatile long requests;
    volatile long errors;

    RunRecorder(int maxBackends, long warmupNanos, long durationNanos, long firstFaultNanos) {
        this.maxBackends = maxBackends;
        this.warmupNanos = warmupNanos;
        this.durationNanos = durationNanos;
        this.steadyEndNanos = firstFaultNanos;
        this.seconds = (int) ((durationNanos + 999_999_999L) / 1_000_000_000L);
        perSecond = new long[maxBackends][seconds];
        lostPerSecond = new long[seconds];
        errorsPerSecond = new long[seconds];
        total = new long[maxBackends];
        steady = new long[maxBackends];
        createdOn = new long[maxBackends];
        inFlightPeak = new int[maxBackends];
        latency = new Histogram[maxBackends];
        for (int i = 0; i < maxBackends; i++) {
            latency[i] = histogram();
        }
    }

    private static Histogram histogram() {
        return new Histogram(HIGHEST_MICROS, 3);
    }

    /**
     * One answered (or failed) request of client {@code c}: sent at {@code sentNanos} (from run start), due at
     * {@code dueNanos} (its latency origin), finished at {@code endNanos}; {@code carriedSession} and
     * {@code sessionHome} describe the client's session cookie when it was sent.
     */
    void record(int c, long dueNanos, long sentNanos, long endNanos, Reply reply, boolean carriedSession,
            int sessionHome) {
        requests++;
        int second = bucket(sentNanos);
        boolean counted = dueNanos >= warmupNanos;
        if (!reply.ok()) {
            errors++;
            errorsPerSecond[second]++;
            if (counted) {
                errorsByKind.merge(reply.status() >= 400 ? "http-" + reply.status() : "bad-answer", 1L, Long::sum);
            }
            return;
        }
        int b = reply.backend();
        perSecond[b][second]++;
        if (reply.sessionLost()) {
            lostPerSecond[second]++;
        }
        for (FaultTracker f : faults) {
            f.answered(c, sentNanos, reply);
        }
        if (reply.sessionLost()) {
            // The fault in force when the request was sent, not the latest: a later fault may fire while it is in
            // flight, and its loss belongs to the one before.
            for (int i = faults.size() - 1; i >= 0; i--) {
                if (sentNanos >= faults.get(i).firedNanos) {
                    faults.get(i).lostAfter++;
                    break;
                }
            }
        }
        if (!counted) {
            return;
        }
        total[b]++;
        if (sentNanos < steadyEndNanos) {
            steady[b]++;
        }
        if (carriedSession) {
            withSession++;
            if (sessionHome == b && !reply.sessionLost()) {
                affine++;
            }
        }
        if (reply.sessionNew()) {
            sessionsCreated++;
            createdOn[b]++;
        }
        if (reply.sessionLost()) {
            sessionsLost++;
        }
        long micros = Math.max(1, Math.min(HIGHEST_MICROS, (endNanos - dueNanos) / 1000));
        overall.recordValue(micros);
        latency[b].recordValue(micros);
    }

    /**
     * A request due at {@code dueNanos} that could not even be sent or answered (connection refused, reset, timeout,
     * lab overload), counted in the timeline at {@code sentNanos} (or when it failed, if never sent).
     */
    void failed(long dueNanos, long sentNanos, String kind) {
        requests++;
        errors++;
        errorsPerSecond[bucket(sentNanos)]++;
        if (dueNanos >= warmupNanos) {
            errorsByKind.merge(kind, 1L, Long::sum);
        }
    }

    void inFlight(int backend, int value) {
        if (backend < maxBackends && value > inFlightPeak[backend]) {
            inFlightPeak[backend] = value;
        }
    }

    private int bucket(long nanos) {
        return (int) Math.max(0, Math.min(seconds - 1, nanos / 1_000_000_000L));
    }
}
