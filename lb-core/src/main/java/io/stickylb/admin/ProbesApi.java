package io.stickylb.admin;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * Probes for what stands in front of stickylb (an L4 balancer, DNS health checks, Kubernetes): {@code GET /live}
 * answers 200 while the process serves its admin API; {@code GET /ready} answers 200 while it takes new clients and
 * 503 from the moment a graceful shutdown begins, so a rolling restart takes an instance out of rotation before its
 * listener closes (Envoy's {@code /ready}, HAProxy's {@code monitor fail}), and 503 while the JIT warm-up runs, so a
 * new instance takes traffic once its hot paths are compiled rather than compile them under it. Neither reveals
 * anything, so neither needs the admin token.
 */
final class ProbesApi {

    private final BooleanSupplier shuttingDown;
    private final BooleanSupplier warmingUp;

    ProbesApi(BooleanSupplier shuttingDown, BooleanSupplier warmingUp) {
        this.shuttingDown = shuttingDown;
        this.warmingUp = warmingUp;
    }

    void register(Routes routes) {
        routes.openGet("/live", r -> answer(HttpResponseStatus.OK, "live"));
        routes.openGet("/ready", r -> {
            if (shuttingDown.getAsBoolean()) {
                return answer(HttpResponseStatus.SERVICE_UNAVAILABLE, "shutting down");
            }
            return warmingUp.getAsBoolean() ? answer(HttpResponseStatus.SERVICE_UNAVAILABLE, "warming up")
                    : answer(HttpResponseStatus.OK, "ready");
        });
    }

    private static CompletableFuture<ApiResponse> answer(HttpResponseStatus status, String state) {
        return CompletableFuture.completedFuture(
                ApiResponse.json(status, Json.MAPPER.createObjectNode().put("status", state)));
    }
}
