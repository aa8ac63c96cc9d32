package io.stickylb.admin;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The admin API's route table: a method and a path template such as {@code /api/pools/{pool}} per handler, one line
 * each. {@link #match} tells a handler with its path parameters from an unknown path (404) and a known path with the
 * wrong method (405, with the methods that would work). A route registered with {@link #openGet} is answered without
 * the admin token (the dashboard's static page and assets, which carry no data); every other route requires it.
 */
final class Routes {

    /** Answers one request; may complete later, on another thread (never blocking the event loop). */
    @FunctionalInterface
    interface Handler {
        CompletionStage<ApiResponse> handle(ApiRequest request) throws ApiException;
    }

    /** The outcome of routing: a handler and its parameters, or the methods the path allows (empty = unknown path). */
    record Match(Handler handler, Map<String, String> params, Set<HttpMethod> allowed, boolean open) {
        boolean found() {
            return handler != null;
        }
    }

    private record Route(HttpMethod method, String[] template, Handler handler, boolean open) {
    }

    private final List<Route> routes = new ArrayList<>();

    Routes get(String template, Handler handler) {
        return add(HttpMethod.GET, template, handler);
    }

    Routes post(String template, Handler handler) {
        return add(HttpMethod.POST, template, handler);
    }

    Routes put(String template, Handler handler) {
        return add(HttpMethod.PUT, template, handler);
    }

    /** A GET answered without the admin token: only for content that reveals nothing (static dashboard assets). */
    Routes openGet(String template, Handler handler) {
        routes.add(new Route(HttpMethod.GET, segments(template), handler, true));
        return this;
    }

    Routes add(HttpMethod method, String template, Handler handler) {
        routes.add(new Route(method, segments(template), handler, false));
        return this;
    }

    /**
     * Routes a request URI (the query string is ignored; a trailing slash is optional). A HEAD request takes the GET
     * route of its path (RFC 9110 §9.3.2), so HEAD probes of {@code /ready} and {@code /live} work.
     *
     * @throws IllegalArgumentException when a path segment holds a malformed percent-escape
     */
    Match match(HttpMethod method, String uri) {
        String[] path = segments(new QueryStringDecoder(uri).rawPath());
        HttpMethod wanted = HttpMethod.HEAD.equals(method) ? HttpMethod.GET : method;
        Set<HttpMethod> allowed = new LinkedHashSet<>();
        for (Route r : routes) {
            Map<String, String> params = bind(r.template, path);
            if (params == null) {
                continue;
            }
            if (r.method.equals(wanted)) {
                return new Match(r.handler, params, Set.of(), r.open);
            }
            allowed.add(r.method);
            if (r.method.equals(HttpMethod.GET)) {
                // HEAD is answered wherever GET is, so a 405's Allow must name it too (RFC 9110 §10.2.1).
                allowed.add(HttpMethod.HEAD);
            }
        }
        return new Match(null, Map.of(), allowed, false);
    }

    /** The template's parameters bound to the path's decoded segments, or null when they do not fit. */
    private static Map<String, String> bind(String[] template, String[] path) {
        if (template.length != path.length) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < template.length; i++) {
            String t = template[i];
            String decoded = QueryStringDecoder.decodeComponent(path[i]);
            if (t.startsWith("{") && t.endsWith("}")) {
                params.put(t.substring(1, t.length() - 1), decoded);
            } else if (!t.equals(decoded)) {
                return null;
            }
        }
        return params;
    }

    private static String[] segments(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        if (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p.isEmpty() ? new String[0] : p.split("/", -1);
    }
}
