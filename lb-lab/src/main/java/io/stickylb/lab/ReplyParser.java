package io.stickylb.lab;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.cookie.ClientCookieDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import java.io.IOException;
import java.util.function.ToIntFunction;

/**
 * Reads the sample backend's answer ({@code {"backend":"b1","session":"…","sessionNew":false,"sessionLost":false}})
 * with Jackson's streaming parser, and applies the response's {@code Set-Cookie} headers to the client's jar.
 */
final class ReplyParser {

    private static final JsonFactory JSON = new JsonFactory();

    private final ToIntFunction<String> backendIndex;

    /** {@code backendIndex} maps a backend id to its index, or -1 for an unknown id. */
    ReplyParser(ToIntFunction<String> backendIndex) {
        this.backendIndex = backendIndex;
    }

    Reply parse(FullHttpResponse response) {
        int status = response.status().code();
        if (status >= 400) {
            return Reply.failed(status);
        }
        ByteBuf body = response.content();
        String backend = null;
        boolean sessionNew = false;
        boolean sessionLost = false;
        try (JsonParser p = JSON.createParser((java.io.InputStream) new ByteBufInputStream(body.duplicate()))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Reply.failed(status);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "backend" -> backend = p.getValueAsString();
                    case "sessionNew" -> sessionNew = value == JsonToken.VALUE_TRUE;
                    case "sessionLost" -> sessionLost = value == JsonToken.VALUE_TRUE;
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            return Reply.failed(status);
        }
        if (backend == null) {
            backend = response.headers().get("X-Backend-Id");
        }
        int index = backend == null ? -1 : backendIndex.applyAsInt(backend);
        return index < 0 ? Reply.failed(status) : new Reply(status, index, sessionNew, sessionLost);
    }

    /** Stores every cookie the response sets (or deletes, with Max-Age=0) in the client's jar. */
    static void applyCookies(FullHttpResponse response, ClientPopulation clients, int client) {
        for (String header : response.headers().getAll(HttpHeaderNames.SET_COOKIE)) {
            Cookie cookie = ClientCookieDecoder.LAX.decode(header);
            if (cookie != null) {
                clients.setCookie(client, cookie.name(), cookie.maxAge() == 0 ? null : cookie.value());
            }
        }
    }
}
