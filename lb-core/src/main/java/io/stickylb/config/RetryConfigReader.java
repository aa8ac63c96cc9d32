package io.stickylb.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the retry keys of a pool ({@code retries}, {@code retry-on}, {@code retry-non-idempotent},
 * {@code retry-buffer}).
 */
final class RetryConfigReader {

    private RetryConfigReader() {
    }

    /** Reads from the pool's own mapping: retry settings sit next to the other pool keys, not in a section. */
    static RetryConfig read(YamlMap pool) throws ConfigException {
        RetryConfig d = RetryConfig.DEFAULTS;
        int retries = pool.integer("retries", d.retries());
        YamlNode retryOnNode = pool.get("retry-on");
        Set<String> retryOn = retryOnNode == null ? d.retryOn() : conditions(retryOnNode);
        boolean nonIdempotent = pool.bool("retry-non-idempotent", d.retryNonIdempotent());
        int buffer = pool.intSize("retry-buffer", d.bufferBytes());
        return pool.build(() -> new RetryConfig(retries, retryOn, nonIdempotent, buffer));
    }

    private static Set<String> conditions(YamlNode node) throws ConfigException {
        Set<String> conditions = new LinkedHashSet<>();
        for (YamlNode item : node.asList()) {
            String text = item.asString().trim();
            if (text.matches("\\d{3}")) {
                int status = Integer.parseInt(text);
                if (status < 500 || status > 599) {
                    throw item.error(status + " (expected a status code 500-599)");
                }
                conditions.add(Integer.toString(status));
            } else {
                // Conditions are lower-case names; only the message order needs a stable list.
                List<String> names = new ArrayList<>(RetryConfig.CONDITIONS);
                names.sort(null);
                String known = names.stream().filter(n -> n.equalsIgnoreCase(text)).findFirst().orElse(null);
                if (known == null) {
                    String hint = DidYouMean.suggest(text, names).map(s -> "did you mean '" + s + "'?; ").orElse("");
                    throw item.error("'" + text + "' is not a retry condition (" + hint + "expected one of: "
                            + String.join(", ", names) + ", or a status code 500-599)");
                }
                conditions.add(known);
            }
        }
        return conditions;
    }
}
