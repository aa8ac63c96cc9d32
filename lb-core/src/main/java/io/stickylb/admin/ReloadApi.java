package io.stickylb.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.stickylb.backend.Backend;
import io.stickylb.config.ConfigException;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.PoolAdvice;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/reload}: re-reads the file the instance was started from and applies it. Reading and parsing are
 * file I/O, so they run on the admin's reload executor (one thread, so reloads never overlap) and the response
 * follows asynchronously. An invalid file changes nothing and answers 400 with the loader's {@code file:line} message.
 */
final class ReloadApi {

    /** Reads and validates a config file, handing on its warnings ({@code ConfigLoader::load} in production). */
    @FunctionalInterface
    interface Loader {
        LoadBalancerConfig load(Path file, Consumer<String> warnings) throws ConfigException;
    }

    private static final Logger log = LoggerFactory.getLogger(ReloadApi.class);

    private final AdminTarget target;
    private final Loader loader;
    private final Executor executor;

    ReloadApi(AdminTarget target, Loader loader, Executor executor) {
        this.target = target;
        this.loader = loader;
        this.executor = executor;
    }

    void register(Routes routes) {
        routes.post("/api/reload", this::reload);
    }

    private CompletionStage<ApiResponse> reload(ApiRequest r) throws ApiException {
        if (target.shuttingDown()) {
            throw new ApiException(HttpResponseStatus.SERVICE_UNAVAILABLE, "shutting down: no reload");
        }
        Path source = target.config().source();
        if (source == null) {
            throw new ApiException(HttpResponseStatus.CONFLICT,
                    "this instance was not started from a config file, so there is nothing to reload");
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                return apply(r, source);
            } catch (ApiException e) {
                throw new CompletionException(e);
            }
        }, executor);
    }

    private ApiResponse apply(ApiRequest r, Path source) throws ApiException {
        LoadBalancerConfig next;
        List<String> fileWarnings = new ArrayList<>();
        try {
            next = loader.load(source, fileWarnings::add);
        } catch (ConfigException e) {
            log.warn("admin: reload of {} requested by {} refused, nothing changed: {}", source, r.remote(),
                    e.getMessage());
            throw ApiException.badRequest(e.getMessage());
        }
        Set<String> old = backendNames();
        // The file's own warnings (file:line: key: ...), which lb run logs at start, then the reload's (it logs those).
        List<String> warnings = new ArrayList<>(fileWarnings);
        try {
            warnings.addAll(target.reload(next));
        } catch (IllegalArgumentException e) {
            log.warn("admin: reload of {} requested by {} failed: {}", source, r.remote(), e.getMessage());
            throw ApiException.badRequest(source + ": " + e.getMessage());
        }
        // And what lb validate says of the pools (a cookie pool signing with a derived key, max-idle in prefix mode):
        // a pool's strategy logs it when it is made, which a reload that keeps the strategy does not do.
        next.pools().values().forEach(pool -> warnings.addAll(PoolAdvice.of(pool)));
        fileWarnings.forEach(log::warn);
        Set<String> now = backendNames();
        List<String> added = new ArrayList<>(now);
        added.removeAll(old);
        List<String> removed = new ArrayList<>(old);
        removed.removeAll(now);
        PoolsApi.audit(r, "reload of " + source + " (added: " + added + ", removed: " + removed + ")");

        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("reloaded", true);
        body.put("source", source.toString());
        body.put("pools", next.pools().size());
        body.put("backends", now.size());
        added.forEach(body.putArray("added")::add);
        removed.forEach(body.putArray("removed")::add);
        warnings.forEach(body.putArray("warnings")::add);
        return ApiResponse.ok(body);
    }

    private Set<String> backendNames() {
        Set<String> names = new LinkedHashSet<>();
        target.upstreams().allBackends().stream().map(Backend::toString).forEach(names::add);
        return names;
    }
}
