package io.stickylb.sample;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.stickylb.sample.session.Session;
import io.stickylb.sample.session.SessionIds;
import io.stickylb.sample.session.SessionStore;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application page ({@code GET /} and every unlisted path, and {@code /slow} after its delay): finds or creates
 * the session, detects lost ones, and echoes the request as JSON.
 */
final class AppEndpoint implements Endpoint {

    static final AppEndpoint PAGE = new AppEndpoint(false);
    static final AppEndpoint SLOW = new AppEndpoint(true);

    private static final Logger log = LoggerFactory.getLogger(AppEndpoint.class);
    private static final long MAX_SLOW_MS = 600_000;

    private final boolean slow;

    private AppEndpoint(boolean slow) {
        this.slow = slow;
    }

    @Override
    public void handle(Exchange exchange) {
        if (!slow) {
            serve(exchange, -1);
            return;
        }
        OptionalLong ms = Params.longOrReject(exchange, "ms", 0, MAX_SLOW_MS);
        if (ms.isPresent()) {
            exchange.later(ms.getAsLong(), () -> serve(exchange, ms.getAsLong()));
        }
    }

    private void serve(Exchange exchange, long sleptMs) {
        BackendContext backend = exchange.backend();
        SessionCookie.Requested requested = SessionCookie.requested(exchange.request());
        resolve(backend, requested).whenComplete((outcome, error) -> exchange.onEventLoop(() -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                if (backend.storeFailing.compareAndSet(false, true)) {
                    log.warn("backend {}: session store failed, answering 503 until it is back: {}", backend.id,
                            cause.toString());
                }
                exchange.respondError(HttpResponseStatus.SERVICE_UNAVAILABLE,
                        "session store unavailable: " + cause.getMessage());
            } else {
                if (backend.storeFailing.compareAndSet(true, false)) {
                    log.info("backend {}: session store is back", backend.id);
                }
                answer(exchange, requested, outcome, sleptMs);
            }
        }));
    }

    private static CompletionStage<Outcome> resolve(BackendContext backend, SessionCookie.Requested requested) {
        SessionStore store = backend.store;
        CompletionStage<Optional<Session>> found = requested == null
                ? CompletableFuture.completedFuture(Optional.empty())
                : store.touch(SessionIds.stripRoute(requested.value()));
        return found.thenCompose(existing -> {
            if (existing.isPresent()) {
                return CompletableFuture.completedFuture(new Outcome(existing.get(), false, false));
            }
            boolean lost = requested != null;
            return store.create().thenApply(created -> {
                backend.counters.sessionsCreated.increment();
                if (lost) {
                    backend.counters.sessionsLost.increment();
                }
                return new Outcome(created, true, lost);
            });
        });
    }

    private static void answer(Exchange exchange, SessionCookie.Requested requested, Outcome outcome,
            long sleptMs) {
        BackendContext backend = exchange.backend();
        HttpRequest request = exchange.request();
        String sessionValue = SessionIds.withRoute(outcome.session.id(), backend.jvmRoute);
        Json json = new Json()
                .field("backend", backend.id)
                .field("session", sessionValue)
                .field("sessionNew", outcome.created)
                .field("sessionRequests", outcome.session.requests())
                .field("sessionLost", outcome.lost)
                .field("sessionCreatedBy", outcome.session.createdBy())
                .field("store", backend.store.kind())
                .field("method", request.method().name())
                .field("path", RequestPath.of(request.uri()))
                .field("uri", request.uri());
        if (sleptMs >= 0) {
            json.field("sleptMs", sleptMs);
        }
        json.raw("headers", RequestHeadersJson.of(request.headers()));
        FullHttpResponse response = exchange.json(HttpResponseStatus.OK, json.toString());
        response.headers().set("X-Session-New", String.valueOf(outcome.created));
        // A session found under another backend's route (shared store) is re-pinned here, like Tomcat's
        // JvmRouteBinderValve, so a sticky balancer follows it to its new home.
        boolean foreignRoute = requested != null && requested.fromCookie() && !requested.value().equals(sessionValue);
        if (outcome.created || foreignRoute) {
            response.headers().add(HttpHeaderNames.SET_COOKIE, SessionCookie.setCookie(sessionValue));
        }
        exchange.respond(response);
    }

    private record Outcome(Session session, boolean created, boolean lost) {
    }
}
