package io.stickylb.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.util.NetUtil;
import io.stickylb.backend.Backend;
import io.stickylb.backend.BackendPool;
import io.stickylb.config.Durations;
import io.stickylb.metrics.BackendStats;
import io.stickylb.metrics.ErrorKind;
import io.stickylb.routing.AffinityOutcome;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Optional;

/**
 * Renders pools and backends for the admin API. Each backend object carries its identity, its states, weights and
 * live counters, and a {@code drain} object while a drain is tracked. Reads only volatile state and counters, so it
 * is safe on any thread.
 */
final class PoolJson {

    private final DrainTracker drains;

    PoolJson(DrainTracker drains) {
        this.drains = drains;
    }

    ObjectNode pool(BackendPool pool) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("name", pool.name());
        n.put("strategy", pool.config().strategy());
        n.put("panic", pool.snapshot().panic());
        var list = n.putArray("backends");
        for (Backend b : pool.backends()) {
            list.add(backend(b));
        }
        return n;
    }

    ObjectNode backend(Backend b) {
        BackendStats stats = b.stats();
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("id", b.id());
        n.put("address", b.endpoint().toString());
        // What a host name resolves to now (null until its first lookup succeeds); an IP address as it is.
        InetSocketAddress resolved = b.socketAddress();
        if (resolved.isUnresolved()) {
            n.putNull("resolved");
        } else {
            n.put("resolved", NetUtil.toAddressString(resolved.getAddress()));
        }
        n.put("state", b.state().name());
        n.put("adminState", b.adminState().name());
        n.put("weight", b.weight());
        n.put("effectiveWeight", b.effectiveWeight());
        n.put("configuredWeight", b.configuredWeight());
        n.put("inFlight", b.inFlight());
        n.put("tunnels", stats.openTunnels.get());
        n.put("requests", stats.requests.sum());
        n.put("retries", stats.retries.sum());
        n.put("connectionsOpened", stats.connectionsOpened.sum());
        n.put("waiting", b.waitingRequests());
        n.put("queued", stats.queued.sum());
        n.put("queueTimeouts", stats.queueTimeouts.sum());
        ObjectNode responses = n.putObject("responses");
        for (int cls = 1; cls <= 5; cls++) {
            responses.put(cls + "xx", stats.responses(cls));
        }
        ObjectNode errors = n.putObject("errors");
        for (ErrorKind kind : ErrorKind.values()) {
            errors.put(kind.label(), stats.errors(kind));
        }
        ObjectNode affinity = n.putObject("affinity");
        for (AffinityOutcome outcome : AffinityOutcome.values()) {
            if (outcome != AffinityOutcome.NONE) {
                affinity.put(outcome.label(), stats.affinity(outcome));
            }
        }
        ObjectNode health = n.putObject("health");
        health.put("healthy", b.healthy());
        health.put("ejected", b.ejected());
        health.put("ejections", b.stats().ejections.sum());
        health.put("checksPassed", b.stats().healthChecksPassed.sum());
        health.put("checksFailed", b.stats().healthChecksFailed.sum());
        io.stickylb.backend.HealthCheckResult last = b.lastCheck();
        if (last != null) {
            ObjectNode check = health.putObject("lastCheck");
            check.put("passed", last.passed());
            check.put("detail", last.detail());
            check.put("at", java.time.Instant.ofEpochMilli(last.atMillis()).toString());
            check.put("durationMs", last.durationMicros() / 1000.0);
        }
        if (b.weightScale() < 1.0) {
            health.put("slowStart", b.weightScale());
        }
        Optional<DrainStatus> drain = drains.status(b);
        drain.ifPresent(d -> drain(n.putObject("drain"), d, stats.lastStickyHitMillis()));
        return n;
    }

    private static void drain(ObjectNode n, DrainStatus d, long lastStickyHitMillis) {
        n.put("stickyRequestsLastMinute", d.stickyRequestsLastMinute());
        if (lastStickyHitMillis > 0) {
            n.put("lastStickyHit", Instant.ofEpochMilli(lastStickyHitMillis).toString());
        } else {
            n.putNull("lastStickyHit");
        }
        n.put("idleFor", Durations.format(d.idleFor().withNanos(0)));
        n.put("untilIdle", Durations.format(d.untilIdle()));
        n.put("deadline", Durations.format(d.deadline()));
        n.put("startedAt", d.startedAt().toString());
        n.put("deadlineAt", d.deadlineAt().toString());
    }
}
