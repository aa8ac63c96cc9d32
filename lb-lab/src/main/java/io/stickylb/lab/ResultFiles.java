package io.stickylb.lab;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Writes {@code results.json} (everything) and {@code results.csv} (one row per strategy × backend). */
final class ResultFiles {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private static final String CSV_HEADER = "run,strategy,session_store,backend,requests,share,steady_share,"
            + "in_flight_peak,sessions_created,p50_ms,p99_ms,p999_ms,retries,run_imbalance_max_mean,run_cov,"
            + "run_affinity_ratio,run_sessions_lost,run_sessions_lost_expected,run_errors";

    private ResultFiles() {
    }

    static void writeJson(ExperimentResult result, Path file) throws IOException {
        JSON.writeValue(file.toFile(), result);
    }

    static void writeCsv(ExperimentResult result, Path file) throws IOException {
        StringBuilder csv = new StringBuilder(CSV_HEADER).append('\n');
        for (RunResult r : result.runs()) {
            // Empty when not applicable (no request carried a session), as a CSV reader takes a missing value.
            String affinity = r.affinityRatio() == null ? "" : num(r.affinityRatio());
            for (RunResult.BackendResult b : r.perBackend()) {
                csv.append(String.join(",", quote(r.name()), quote(r.strategy()), r.sessionStore(), b.id(),
                        Long.toString(b.requests()), num(b.share()), num(b.steadyShare()),
                        Integer.toString(b.inFlightPeak()), Long.toString(b.sessionsCreated()), num(b.p50Ms()),
                        num(b.p99Ms()), num(b.p999Ms()), Long.toString(b.retries()), num(r.imbalanceMaxMean()),
                        num(r.cov()), affinity, Long.toString(r.sessionsLost()),
                        Long.toString(r.sessionsLostExpected()), Long.toString(r.errors()))).append('\n');
            }
        }
        Files.writeString(file, csv);
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    /** RFC 4180 quoting when needed. */
    private static String quote(String s) {
        return s.contains(",") || s.contains("\"") || s.contains(" ") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
