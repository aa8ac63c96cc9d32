package io.stickylb.sample;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;

/** {@code GET /health} reports the health flag; {@code POST /control/health?status=200|503} flips it. */
final class HealthEndpoints {

    private HealthEndpoints() {
    }

    static void health(Exchange exchange) {
        boolean up = exchange.backend().healthy.get();
        exchange.respondJson(up ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, body(up));
    }

    static void control(Exchange exchange) {
        List<String> values = exchange.query().parameters().get("status");
        String status = values == null || values.isEmpty() ? "" : values.get(0).trim();
        Boolean up = switch (status.toLowerCase(java.util.Locale.ROOT)) {
            case "200", "up" -> Boolean.TRUE;
            case "503", "down" -> Boolean.FALSE;
            default -> null;
        };
        if (up == null) {
            exchange.respondError(HttpResponseStatus.BAD_REQUEST,
                    "status=" + status + " (expected 200 or 503)");
            return;
        }
        exchange.backend().healthy.set(up);
        exchange.respondJson(HttpResponseStatus.OK, body(up));
    }

    private static String body(boolean up) {
        return new Json().field("status", up ? "UP" : "DOWN").toString();
    }
}
