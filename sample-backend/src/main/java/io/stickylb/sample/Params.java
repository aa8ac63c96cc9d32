package io.stickylb.sample;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.OptionalLong;

/** Reads numeric query parameters, answering 400 itself when one is missing or out of range. */
final class Params {

    private Params() {
    }

    /** The parameter's value, or empty after a 400 has been sent. */
    static OptionalLong longOrReject(Exchange exchange, String name, long min, long max) {
        List<String> values = exchange.query().parameters().get(name);
        String value = values == null || values.isEmpty() ? null : values.get(0);
        try {
            if (value != null) {
                long n = Long.parseLong(value.trim());
                if (n >= min && n <= max) {
                    return OptionalLong.of(n);
                }
            }
        } catch (NumberFormatException e) {
            // falls through to the 400 below
        }
        exchange.respondError(HttpResponseStatus.BAD_REQUEST,
                "query parameter " + name + "=" + value + " (expected an integer " + min + ".." + max + ")");
        return OptionalLong.empty();
    }
}
