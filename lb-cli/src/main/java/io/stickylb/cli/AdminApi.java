package io.stickylb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * A client of a running instance's admin JSON API for the {@code status}, {@code backend} and {@code reload}
 * commands. A failure to reach it and a refusal by it (4xx) are separate exceptions, because they exit differently.
 */
final class AdminApi {

    static final ObjectMapper JSON = new ObjectMapper();

    /** The admin API could not be reached (nothing listening, timeout, not HTTP). */
    static final class UnreachableException extends Exception {
        private static final long serialVersionUID = 1L;

        UnreachableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The admin API answered with an error status; the message is its {@code error} text. */
    static final class RefusedException extends Exception {
        private static final long serialVersionUID = 1L;
        private final int status;

        RefusedException(int status, String message) {
            super(message);
            this.status = status;
        }

        int status() {
            return status;
        }
    }

    private final URI base;
    private final String token;
    private final HttpClient http;

    AdminApi(URI base, String token) {
        this.base = base;
        this.token = token;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(3)).build();
    }

    JsonNode get(String path) throws UnreachableException, RefusedException {
        return send("GET", path, null);
    }

    JsonNode post(String path, JsonNode body) throws UnreachableException, RefusedException {
        return send("POST", path, body);
    }

    JsonNode put(String path, JsonNode body) throws UnreachableException, RefusedException {
        return send("PUT", path, body);
    }

    private JsonNode send(String method, String path, JsonNode body) throws UnreachableException, RefusedException {
        URI uri = base.resolve(path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.toString()));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (token != null && !token.isEmpty()) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnreachableException("interrupted while calling the admin API at " + base, e);
        } catch (IOException e) {
            throw new UnreachableException("cannot reach the admin API at " + base + " (" + reason(e) + ")", e);
        }
        JsonNode json = parse(response.body());
        if (response.statusCode() >= 400) {
            if (json == null || !json.hasNonNull("error")) {
                // The admin API words every refusal in JSON: a bare error page is some other server (a wrong port,
                // the proxy listener itself), which is as good as unreachable, and "HTTP 404" alone says nothing.
                throw new UnreachableException(base + " answered HTTP " + response.statusCode()
                        + " without a JSON error; is it the stickylb admin API?", null);
            }
            throw new RefusedException(response.statusCode(), json.get("error").asText());
        }
        if (json == null) {
            throw new UnreachableException(base + " answered " + response.statusCode()
                    + " without JSON; is it the stickylb admin API?", null);
        }
        return json;
    }

    /** One path segment, percent-encoded (pool and backend names go into URLs). */
    static String segment(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && (Character.isLetterOrDigit(c) || c == '-' || c == '.' || c == '_' || c == '~')) {
                sb.append(c);
            } else {
                sb.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return sb.toString();
    }

    private static JsonNode parse(String body) {
        try {
            return body == null || body.isBlank() ? null : JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static String reason(IOException e) {
        if (e instanceof ConnectException) {
            return "connection refused; is lb running with the admin API enabled?";
        }
        if (e instanceof HttpConnectTimeoutException) {
            return "connect timed out";
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer in time";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
