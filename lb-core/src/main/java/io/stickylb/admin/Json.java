package io.stickylb.admin;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** The admin API's one Jackson mapper (thread-safe once configured). */
final class Json {

    /** Refuses a body with more after its JSON value ({@code {"weight":1} {"weight":900}}) rather than read half. */
    static final ObjectMapper MAPPER = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {
    }
}
