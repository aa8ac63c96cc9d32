package io.stickylb.lab;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Plain HTTP calls to a sample backend outside the proxy: readiness and the health flip of an {@code unhealthy} fault.
 */
final class HealthControl {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();

    private HealthControl() {
    }

    /** True when {@code GET /health} answers 200. */
    static boolean healthy(int port) {
        try {
            HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(uri(port, "/health"))
                    .timeout(Duration.ofMillis(500)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@code POST /control/health?status=N}: the backend's health endpoint answers N from now on. */
    static void setHealth(int port, int status) {
        try {
            HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(uri(port, "/control/health?status=" + status))
                    .timeout(Duration.ofSeconds(2)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() >= 300) {
                throw new LabException("backend on port " + port + " refused the health flip: HTTP " + r.statusCode());
            }
        } catch (IOException e) {
            throw new LabException("backend on port " + port + " unreachable for the health flip: "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted", e);
        }
    }

    private static URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
