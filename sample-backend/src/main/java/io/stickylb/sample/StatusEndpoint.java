package io.stickylb.sample;

import io.netty.handler.codec.http.HttpResponseStatus;

/** {@code /status/{code}} answers with that status, for error-handling tests. */
final class StatusEndpoint {

    private StatusEndpoint() {
    }

    static void handle(Exchange exchange, String code) {
        int status;
        try {
            status = Integer.parseInt(code);
        } catch (NumberFormatException e) {
            status = -1;
        }
        // Informational codes are never final responses, so they cannot be served here.
        if (status < 200 || status > 599) {
            exchange.respondError(HttpResponseStatus.BAD_REQUEST, "status " + code + " (expected 200..599)");
            return;
        }
        exchange.respondJson(HttpResponseStatus.valueOf(status),
                new Json().field("backend", exchange.backend().id).field("status", status).toString());
    }
}
