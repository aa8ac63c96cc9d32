package io.stickylb.admin;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpMethod;
import java.util.Map;

/**
 * One admin request, detached from Netty's buffers so handlers may finish it on another thread: the method, the
 * decoded path parameters of the matched route, the body and who sent it (for the audit log).
 */
record ApiRequest(HttpMethod method, String path, Map<String, String> params, byte[] body, String remote) {

    String param(String name) {
        return params.get(name);
    }

    /** The body as a JSON object; an empty body is an empty object. */
    JsonNode json() throws ApiException {
        if (body.length == 0) {
            return Json.MAPPER.createObjectNode();
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest(notJson(e));
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("body cannot be read: " + e.getMessage());
        }
        if (node == null || node.isMissingNode()) {
            return Json.MAPPER.createObjectNode();
        }
        if (!node.isObject()) {
            throw ApiException.badRequest("body must be a JSON object");
        }
        return node;
    }

    /** Where and why the body is not JSON, without the parser's notes about its own settings. */
    private static String notJson(JsonProcessingException e) {
        String why = e.getOriginalMessage();
        if (why.startsWith("Trailing token")) {
            // Jackson's own wording names its classes and settings, nothing the sender can act on.
            why = "something follows the JSON value";
        }
        int marker = why.indexOf(" (start marker at");
        if (marker > 0) {
            why = why.substring(0, marker);
        }
        JsonLocation at = e.getLocation();
        return at == null ? "body is not valid JSON: " + why
                : "body is not valid JSON at line " + at.getLineNr() + ", column " + at.getColumnNr() + ": " + why;
    }
}
