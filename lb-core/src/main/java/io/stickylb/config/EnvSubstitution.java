package io.stickylb.config;

import java.util.Map;
import java.util.Objects;

/**
 * Replaces {@code ${NAME}} in config strings with environment variables, so secrets stay out of the file;
 * <code>$${</code> writes a literal <code>${</code>.
 */
final class EnvSubstitution {

    private final Map<String, String> env;

    EnvSubstitution(Map<String, String> env) {
        this.env = Objects.requireNonNull(env, "env");
    }

    /** The text with every reference replaced; throws {@link IllegalArgumentException} naming a missing variable. */
    String apply(String text) {
        if (text.indexOf('$') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (text.startsWith("$${", i)) {
                out.append("${");
                i += 3;
            } else if (text.startsWith("${", i)) {
                int end = text.indexOf('}', i + 2);
                if (end < 0) {
                    throw new IllegalArgumentException("'" + text
                            + "' has an unclosed ${ (write $${ for a literal ${)");
                }
                out.append(lookup(text.substring(i + 2, end)));
                i = end + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private String lookup(String name) {
        if (!isName(name)) {
            throw new IllegalArgumentException("'${" + name + "}' is not a valid environment variable reference"
                    + " (expected ${NAME} with letters, digits and _)");
        }
        String value = env.get(name);
        if (value == null) {
            throw new IllegalArgumentException("environment variable '" + name + "' is not set");
        }
        return value;
    }

    private static boolean isName(String name) {
        if (name.isEmpty() || Character.isDigit(name.charAt(0))) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9')) {
                return false;
            }
        }
        return true;
    }
}
