package io.stickylb.sample;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Request headers as a JSON object: lower-cased names in arrival order, repeated values joined with ", ". */
final class RequestHeadersJson {

    private RequestHeadersJson() {
    }

    static String of(HttpHeaders headers) {
        Map<String, StringBuilder> merged = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : headers) {
            String name = e.getKey().toLowerCase(Locale.ROOT);
            StringBuilder value = merged.get(name);
            if (value == null) {
                merged.put(name, new StringBuilder(e.getValue()));
            } else {
                value.append(", ").append(e.getValue());
            }
        }
        Json json = new Json();
        merged.forEach((name, value) -> json.field(name, value.toString()));
        return json.toString();
    }
}
