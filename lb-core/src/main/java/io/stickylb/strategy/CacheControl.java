package io.stickylb.strategy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Locale;

/**
 * Keeps shared caches from storing a response that carries one client's affinity cookie (a CDN would otherwise hand
 * that cookie, and that backend, to everybody). A response without Cache-Control gets {@code private}; one that
 * already says {@code private} (qualified or not) or {@code no-store} is left alone; any other gets {@code private}
 * appended, and a {@code public} directive removed since it would contradict it. {@code no-cache} alone is not
 * enough: it lets a shared cache store the response, Set-Cookie included, and replay it after revalidation.
 */
final class CacheControl {

    private CacheControl() {
    }

    static void markPrivate(HttpHeaders headers) {
        List<String> values = headers.getAll(HttpHeaderNames.CACHE_CONTROL);
        if (values.isEmpty()) {
            headers.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.PRIVATE);
            return;
        }
        StringBuilder sb = new StringBuilder();
        for (String value : values) {
            for (String directive : value.split(",")) {
                String d = directive.trim();
                String name = d.toLowerCase(Locale.ROOT);
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    name = name.substring(0, eq).trim();
                }
                if (name.equals("private") || name.equals("no-store")) {
                    return;
                }
                if (d.isEmpty() || name.equals("public")) {
                    continue;
                }
                sb.append(sb.length() == 0 ? "" : ", ").append(d);
            }
        }
        sb.append(sb.length() == 0 ? "" : ", ").append("private");
        headers.set(HttpHeaderNames.CACHE_CONTROL, sb.toString());
    }
}
