package io.stickylb.proxy;

/**
 * What the access log says about one request: client, request line, route target, backend, affinity decision,
 * status, bytes, time to the response head from the backend and total time (milliseconds, -1 when unknown; any text
 * not known is null: {@code -} in text, {@code null} in JSON), and
 * {@code end}: null when the exchange ended with its answer, else why not: {@code client-closed}, {@code
 * client-stalled}, {@code shutdown}, {@code request-<status>}, a 503's {@code no-backend}, {@code queue-timeout} or
 * {@code affinity-refused}, or the backend failure behind a 502/504 or a cut answer ({@code connect}, {@code reset},
 * {@code timeout}, {@code truncated}, {@code protocol}); README's admin section says what each means.
 */
public record AccessRecord(
        String client, String method, String uri, String pool, String backend, String affinity,
        int status, long bytesOut, double upstreamMs, double totalMs, String end) {

    /**
     * Common-log-like text. A target the proxy refused may hold a {@code "} or {@code \}, which would end or escape
     * the quoted request for whatever parses the line, so those (and any byte outside printable ASCII) are written as
     * {@code \xHH}, as nginx does; a target that was forwarded never holds one.
     */
    public String toText() {
        return client + " \"" + quoted(nz(method)) + " " + quoted(nz(uri)) + "\" " + status + " " + bytesOut
                + " pool=" + nz(pool) + " backend=" + nz(backend) + " affinity=" + nz(affinity)
                + String.format(java.util.Locale.ROOT, " upstream_ms=%.1f total_ms=%.1f", upstreamMs, totalMs)
                + " end=" + nz(end);
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
        b.append(String.format(java.util.Locale.ROOT, "\"upstreamMs\":%.3f,\"totalMs\":%.3f,", upstreamMs, totalMs));
        return field(b, "end", end).append('}').toString();
    }

    private static String quoted(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                return escape(s, i);
            }
        }
        return s;
    }

    private static String escape(String s, int from) {
        StringBuilder b = new StringBuilder(s.length() + 8).append(s, 0, from);
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                // Targets are read as ISO-8859-1, one char per byte, so two hex digits name the byte.
                b.append(String.format(java.util.Locale.ROOT, "\\x%02X", c & 0xff));
            } else {
                b.append(c);
            }
        }
        return b.toString();
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
