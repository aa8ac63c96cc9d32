package io.stickylb.sample.testing;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A response read off a raw socket: status, headers by lower-cased name, and the body bytes. */
public record RawResponse(int status, Map<String, List<String>> headers, byte[] body) {

    /** The first value of header {@code name}, or {@code null}. */
    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
