package io.stickylb.admin;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;

/**
 * The live dashboard: {@code GET /} serves one static page, {@code GET /dashboard/{asset}} its stylesheet and script,
 * all read once from the jar ({@code io/stickylb/admin/dashboard/}); no CDN, no external font. The page polls
 * {@code GET /api/pools} every second and draws the traffic shares itself.
 *
 * <p>Token: these routes are served <em>without</em> the admin token, on purpose. They are the same bytes for everyone
 * and contain no data (no pool, backend, address or counter); the only thing they reveal is whether a token is
 * required, which any 401 reveals too. A browser cannot attach a bearer token to a plain navigation, so requiring it
 * here would make the page unreachable. Every API call the page makes carries {@code Authorization: Bearer <token>}
 * (asked once through a small form and kept in the tab's {@code sessionStorage}), and the API still refuses anything
 * without it. Knowing in advance that a token is required lets the page ask for it before its first call, instead of
 * provoking a 401 (which a browser reports as a console error); a 401 later (wrong or changed token) asks again.
 *
 * <p>The responses forbid framing and inline scripts ({@code Content-Security-Policy}), so the action buttons cannot
 * be clickjacked from another site and an injected string could not run.
 */
final class Dashboard {

    static final String RESOURCES = "dashboard/";
    static final String TOKEN_PLACEHOLDER = "{{tokenRequired}}";
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

    private record Asset(String contentType, byte[] bytes) {
    }

    /** Read per request: a reload may add or remove the token. */
    private final BooleanSupplier tokenRequired;
    private final Asset indexWithToken;
    private final Asset indexWithoutToken;
    private final Map<String, Asset> assets = new LinkedHashMap<>();

    Dashboard(BooleanSupplier tokenRequired) {
        this.tokenRequired = tokenRequired;
        String html = new String(read("index.html"), StandardCharsets.UTF_8);
        if (!html.contains(TOKEN_PLACEHOLDER)) {
            throw new IllegalStateException("dashboard index.html lacks " + TOKEN_PLACEHOLDER);
        }
        indexWithToken = index(html, true);
        indexWithoutToken = index(html, false);
        assets.put("dashboard.css", new Asset("text/css; charset=utf-8", read("dashboard.css")));
        assets.put("dashboard.js", new Asset("text/javascript; charset=utf-8", read("dashboard.js")));
    }

    private static Asset index(String html, boolean tokenRequired) {
        return new Asset("text/html; charset=utf-8",
                html.replace(TOKEN_PLACEHOLDER, String.valueOf(tokenRequired)).getBytes(StandardCharsets.UTF_8));
    }

    void register(Routes routes) {
        routes.openGet("/", r -> serve(tokenRequired.getAsBoolean() ? indexWithToken : indexWithoutToken))
                .openGet("/dashboard/{asset}", r -> {
                    Asset a = assets.get(r.param("asset"));
                    if (a == null) {
                        throw ApiException.notFound("no such dashboard asset: " + r.param("asset"));
                    }
                    return serve(a);
                });
    }

    private static CompletionStage<ApiResponse> serve(Asset a) {
        return CompletableFuture.completedFuture(ApiResponse.of(HttpResponseStatus.OK, a.contentType(), a.bytes())
                .withHeader("Content-Security-Policy", CSP)
                .withHeader("X-Content-Type-Options", "nosniff")
                .withHeader("X-Frame-Options", "DENY")
                .withHeader("Referrer-Policy", "no-referrer"));
    }

    private static byte[] read(String name) {
        try (InputStream in = Dashboard.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("dashboard resource missing from the jar: " + RESOURCES + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read dashboard resource " + name, e);
        }
    }
}
