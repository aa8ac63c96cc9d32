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
        long value = toLong(text);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(text + " is out of range (expected at most " + Integer.MAX_VALUE + ")");
        }
        return (int) value;
    }

    static double toDouble(String text) {
        if (!NUMBER.matcher(text).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a number");
        }
        return Double.parseDouble(text);
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
        return text;
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
