package io.stickylb.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * An admin response: a status, a body with its content type and any extra headers ({@code WWW-Authenticate},
 * {@code Allow}). Mostly JSON; {@link #of} serves other types (Prometheus text, dashboard assets).
 */
record ApiResponse(HttpResponseStatus status, String contentType, byte[] body, Map<String, String> headers) {

    static final String JSON = "application/json";

    static ApiResponse ok(JsonNode body) {
        return json(HttpResponseStatus.OK, body);
    }

    static CompletionStage<ApiResponse> okNow(JsonNode body) {
        return CompletableFuture.completedFuture(ok(body));
    }

    static ApiResponse of(HttpResponseStatus status, String contentType, byte[] body) {
        return new ApiResponse(status, contentType, body, Map.of());
    }

    static ApiResponse error(HttpResponseStatus status, String message) {
        return json(status, Json.MAPPER.createObjectNode().put("error", message));
    }

    static ApiResponse json(HttpResponseStatus status, JsonNode body) {
        byte[] bytes;
        try {
            // Pretty, with a final newline: the API is read by people with curl as much as by programs.
            bytes = (Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(body) + "\n")
                    .getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render admin response", e);
        }
        return of(status, JSON, bytes);
    }

    ApiResponse withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new ApiResponse(status, contentType, body, Map.copyOf(more));
    }
}
