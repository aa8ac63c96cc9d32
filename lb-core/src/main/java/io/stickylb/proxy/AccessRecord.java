package io.stickylb.proxy;

/**
 * What the access log says about one request: client, request line, route target, backend, affinity decision,
 * status, bytes, time to the response head from the backend and total time (milliseconds, -1 when unknown).
 */
public record AccessRecord(
        String client, String method, String uri, String pool, String backend, String affinity,
        int status, long bytesOut, double upstreamMs, double totalMs) {

    /** Common-log-like text. */
    public String toText() {
        return client + " \"" + method + " " + uri + "\" " + status + " " + bytesOut
                + " pool=" + nz(pool) + " backend=" + nz(backend) + " affinity=" + nz(affinity)
                + String.format(java.util.Locale.ROOT, " upstream_ms=%.1f total_ms=%.1f", upstreamMs, totalMs);
    }

    /** One JSON object per line. */
    public String toJson() {
        StringBuilder b = new StringBuilder(192).append('{');
        field(b, "client", client).append(',');
        field(b, "method", method).append(',');
        field(b, "uri", uri).append(',');
        field(b, "pool", pool).append(',');
        field(b, "backend", backend).append(',');
        field(b, "affinity", affinity).append(',');
        b.append("\"status\":").append(status).append(',');
        b.append("\"bytes\":").append(bytesOut).append(',');
        b.append(String.format(java.util.Locale.ROOT, "\"upstreamMs\":%.3f,\"totalMs\":%.3f", upstreamMs, totalMs));
        return b.append('}').toString();
    }

    private static String nz(String s) {
        return s == null ? "-" : s;
    }

    private static StringBuilder field(StringBuilder b, String name, String value) {
        b.append('"').append(name).append("\":");
        if (value == null) {
            return b.append("null");
        }
        b.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"');
    }
}
