package io.stickylb.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stickylb.backend.AdminState;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.config.BackendConfig;
import io.stickylb.config.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool and backend endpoints: listing pools, and the operator's actions on one backend (drain, maintenance,
 * enable, weight). Every handler is quick and non-blocking (a pool's short lock at most), so it answers on the admin
 * event loop. Each change is logged at INFO with who asked, what and when.
 */
final class PoolsApi {

    private static final Logger log = LoggerFactory.getLogger(PoolsApi.class);
    private static final Set<String> DRAIN_FIELDS = Set.of("untilIdle", "deadline");

    private final Supplier<io.stickylb.proxy.Upstreams> upstreams;
    private final Supplier<AdminTarget.ClientCounts> clients;
    private final DrainTracker drains;
    private final PoolJson json;

    PoolsApi(Supplier<io.stickylb.proxy.Upstreams> upstreams, Supplier<AdminTarget.ClientCounts> clients,
             DrainTracker drains) {
        this.upstreams = upstreams;
        this.clients = clients;
        this.drains = drains;
        this.json = new PoolJson(drains);
    }

    void register(Routes routes) {
        routes.get("/api/pools", this::pools)
                .get("/api/pools/{pool}", this::pool)
                .post("/api/pools/{pool}/backends/{id}/drain", this::drain)
                .post("/api/pools/{pool}/backends/{id}/maintenance", r -> adminState(r, AdminState.MAINTENANCE))
                .post("/api/pools/{pool}/backends/{id}/enable", r -> adminState(r, AdminState.ENABLED))
                .put("/api/pools/{pool}/backends/{id}/weight", this::weight);
    }

    private CompletionStage<ApiResponse> pools(ApiRequest r) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        AdminTarget.ClientCounts c = clients.get();
        body.putObject("clients").put("open", c.open()).put("maxConnections", c.maxConnections())
                .put("accepted", c.accepted()).put("refused", c.refused());
        var list = body.putArray("pools");
        upstreams.get().pools().values().forEach(p -> list.add(json.pool(p)));
        return ApiResponse.okNow(body);
    }

    private CompletionStage<ApiResponse> pool(ApiRequest r) throws ApiException {
        return ApiResponse.okNow(json.pool(pool(r.param("pool"))));
    }

    private CompletionStage<ApiResponse> drain(ApiRequest r) throws ApiException {
        JsonNode body = r.json();
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!DRAIN_FIELDS.contains(field)) {
                throw ApiException.badRequest("unknown field '" + field + "' (expected: untilIdle, deadline)");
            }
        }
        Duration untilIdle = duration(body, "untilIdle", DrainTracker.DEFAULT_UNTIL_IDLE);
        Duration deadline = duration(body, "deadline", DrainTracker.DEFAULT_DEADLINE);
        BackendPool pool = pool(r.param("pool"));
        Backend b = backend(pool, r.param("id"));
        drains.drain(pool, b, untilIdle, deadline, "admin API, " + r.remote());
        audit(r, "drain " + b + " (until idle for " + Durations.format(untilIdle) + ", deadline "
                + Durations.format(deadline) + ")");
        return ApiResponse.okNow(json.backend(b));
    }

    private CompletionStage<ApiResponse> adminState(ApiRequest r, AdminState state) throws ApiException {
        BackendPool pool = pool(r.param("pool"));
        Backend b = backend(pool, r.param("id"));
        drains.setAdminState(pool, b, state, "admin API, " + r.remote());
        audit(r, (state == AdminState.ENABLED ? "enable " : "maintenance ") + b);
        return ApiResponse.okNow(json.backend(b));
    }

    private CompletionStage<ApiResponse> weight(ApiRequest r) throws ApiException {
        JsonNode w = r.json().get("weight");
        if (w == null || w.isNull()) {
            throw ApiException.badRequest(
                    "weight: missing (expected: {\"weight\": 1..1000, or 0 for the configured weight})");
        }
        if (!w.isIntegralNumber() || !w.canConvertToInt() || w.intValue() < 0
                || w.intValue() > BackendConfig.MAX_WEIGHT) {
            throw ApiException.badRequest("weight: " + w + " (expected: 1..1000, or 0 for the configured weight)");
        }
        BackendPool pool = pool(r.param("pool"));
        Backend b = backend(pool, r.param("id"));
        int old = b.weight();
        pool.setWeight(b.id(), w.intValue(), "admin API, " + r.remote());
        audit(r, "weight " + b + " " + old + " -> " + b.weight()
                + (w.intValue() == 0 ? " (back to the configured weight)" : ""));
        return ApiResponse.okNow(json.backend(b));
    }

    private BackendPool pool(String name) throws ApiException {
        BackendPool pool = upstreams.get().pool(name);
        if (pool == null) {
            throw ApiException.notFound("no pool '" + name + "' (pools: "
                    + String.join(", ", upstreams.get().pools().keySet()) + ")");
        }
        return pool;
    }

    private static Backend backend(BackendPool pool, String id) throws ApiException {
        return pool.backend(id).orElseThrow(() -> ApiException.notFound("no backend '" + id + "' in pool '"
                + pool.name() + "' (backends: " + String.join(", ", pool.backends().stream().map(Backend::id).toList())
                + ")"));
    }

    private static Duration duration(JsonNode body, String field, Duration dflt) throws ApiException {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isTextual()) {
            throw ApiException.badRequest(field + ": " + v + " (expected a duration string such as \"2m\")");
        }
        Duration d;
        try {
            d = Durations.parse(v.textValue());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(field + ": " + e.getMessage());
        }
        if (d.isZero()) {
            throw ApiException.badRequest(field + ": 0 (expected: > 0)");
        }
        return d;
    }

    static void audit(ApiRequest r, String what) {
        log.info("admin: {} by {} at {}", what, r.remote(), Instant.now());
    }
}
