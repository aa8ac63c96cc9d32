package io.stickylb.sample;

import io.netty.handler.codec.http.HttpResponseStatus;

/** {@code GET /stats}: the backend's counters as JSON. */
final class StatsEndpoint {

    private StatsEndpoint() {
    }

    static void handle(Exchange exchange) {
        exchange.respondJson(HttpResponseStatus.OK, exchange.backend().stats().toJson());
    }
}
