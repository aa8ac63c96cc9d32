package io.stickylb.config;

import java.util.Collection;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Converts config scalar text to values; each method throws {@link IllegalArgumentException} whose message is the
 * problem as shown after the key path (e.g. {@code 'abc' is not an integer}).
 */
final class Scalars {

    private static final Pattern INTEGER = Pattern.compile("[-+]?\\d+");
    private static final Pattern NUMBER = Pattern.compile("[-+]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?");
    private static final Pattern SIZE = Pattern.compile("(-?\\d+)\\s*(B|KiB|MiB|GiB|KB|MB|GB)?");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private Scalars() {
    }

    static long toLong(String text) {
        if (!INTEGER.matcher(text).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not an integer");
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(text + " is out of range (expected at most " + Long.MAX_VALUE + ")");
        }
    }

    static int toInt(String text) {
        // Beyond a long is beyond an int too; toLong's message would name the long's bound for an int key.
        long value = INTEGER.matcher(text).matches() && !fitsLong(text) ? Long.MAX_VALUE : toLong(text);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(text + " is out of range (expected at most " + Integer.MAX_VALUE + ")");
        }
        return (int) value;
    }

    private static boolean fitsLong(String text) {
        try {
            Long.parseLong(text);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    static double toDouble(String text) {
        if (!NUMBER.matcher(text).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a number");
        }
        double value = Double.parseDouble(text);
        // 1e400 parses as Infinity, which no setting means (balance-factor: 1e400 was taken as "no bound").
        if (Double.isInfinite(value)) {
            throw new IllegalArgumentException(text + " is out of range");
        }
        return value;
    }

    /** YAML 1.2 only knows true/false; on/off/yes/no are accepted too because YAML 1.1 habits are common. */
    static boolean toBoolean(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true", "on", "yes" -> true;
            case "false", "off", "no" -> false;
            default -> throw new IllegalArgumentException("'" + text + "' is not a boolean (expected: true or false)");
        };
    }

    /** True for the words {@link #toBoolean} understands, so a key can take either a boolean or a mapping. */
    static boolean isBoolean(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true", "on", "yes", "false", "off", "no" -> true;
            default -> false;
        };
    }

    /** A byte count: a plain integer or a number with B, KiB, MiB, GiB (1024-based) or KB, MB, GB (1000-based). */
    static long toSize(String text) {
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size (expected e.g. 8192, 64KiB, 10MiB, 1GB)");
        }
        long unit = m.group(2) == null ? 1 : switch (m.group(2)) {
            case "KiB" -> 1L << 10;
            case "MiB" -> 1L << 20;
            case "GiB" -> 1L << 30;
            case "KB" -> 1_000L;
            case "MB" -> 1_000_000L;
            case "GB" -> 1_000_000_000L;
            default -> 1;
        };
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
    }

    /** The same size, checked to fit an int (buffers and header limits are int-sized). */
    static int toIntSize(String text) {
        long value = toSize(text);
        if (value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("'" + text + "' is too large (expected at most 2GiB - 1)");
        }
        return (int) value;
    }

    /** A backend id, pool name or route: letters, digits, '.', '_', '-', 1 to 64 of them. */
    static String toName(String text, String what) {
        if (!NAME.matcher(text).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a valid " + what
                    + " (expected 1-64 letters, digits, '.', '_' or '-')");
        }
        if (text.equals(".") || text.equals("..")) {
            // Names go into admin API paths (/api/pools/NAME/...), where clients collapse dot segments.
            throw new IllegalArgumentException("'" + text + "' is not a valid " + what
                    + " (a dot segment in an admin API path; expected 1-64 letters, digits, '.', '_' or '-')");
        }
        return text;
    }

    /**
     * True when {@code text} is printable ASCII with no space: what a request target or a header value such as
     * {@code Host} that stickylb writes from config may hold, so a config value cannot break the message around it.
     */
    static boolean isVisibleAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c <= ' ' || c >= 0x7F) {
                return false;
            }
        }
        return true;
    }

    /** The text quoted for an error message, control characters escaped so the message stays on one line. */
    static String quoted(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 2).append('\'');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < ' ' || c == 0x7F) {
                        sb.append(String.format("\\x%02X", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('\'').toString();
    }

    /** One of {@code choices}, matched case-insensitively, returned in its canonical spelling. */
    static String toChoice(String text, String what, Collection<String> choices) {
        for (String choice : choices) {
            if (choice.equalsIgnoreCase(text)) {
                return choice;
            }
        }
        String hint = DidYouMean.suggest(text, choices).map(s -> "did you mean '" + s + "'?; ").orElse("");
        throw new IllegalArgumentException("'" + text + "' is not " + article(what) + " " + what + " (" + hint
                + "expected one of: " + String.join(", ", choices) + ")");
    }

    private static String article(String word) {
        return "aeiou".indexOf(Character.toLowerCase(word.charAt(0))) >= 0 ? "an" : "a";
    }
}
