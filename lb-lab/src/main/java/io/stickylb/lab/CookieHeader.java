package io.stickylb.lab;

/**
 * A client's cookies as the one {@code Cookie} request header they become ({@code a=1; b=2}): the most compact form
 * that needs no parsing before a request is sent. Values are what {@code Set-Cookie} gave, names are unique.
 */
final class CookieHeader {

    private CookieHeader() {
    }

    /**
     * {@code header} with {@code name} set to {@code value}, or removed when {@code value} is null; null when empty.
     */
    static String merge(String header, String name, String value) {
        StringBuilder out = new StringBuilder();
        if (header != null) {
            for (String pair : header.split("; ")) {
                int eq = pair.indexOf('=');
                if (eq > 0 && !(eq == name.length() && pair.startsWith(name))) {
                    append(out, pair);
                }
            }
        }
        if (value != null) {
            append(out, name + "=" + value);
        }
        return out.length() == 0 ? null : out.toString();
    }

    static boolean contains(String header, String name) {
        return valueAt(header, name) >= 0;
    }

    /** The value of cookie {@code name} in {@code header}, or null when it has none. */
    static String value(String header, String name) {
        int at = valueAt(header, name);
        if (at < 0) {
            return null;
        }
        int end = header.indexOf("; ", at);
        return header.substring(at, end < 0 ? header.length() : end);
    }

    /** Where the value of cookie {@code name} starts in {@code header}, or -1. */
    private static int valueAt(String header, String name) {
        if (header == null) {
            return -1;
        }
        int from = 0;
        while (true) {
            int i = header.indexOf(name, from);
            if (i < 0) {
                return -1;
            }
            boolean start = i == 0 || header.startsWith("; ", i - 2);
            if (start && header.startsWith("=", i + name.length())) {
                return i + name.length() + 1;
            }
            from = i + 1;
        }
    }

    private static void append(StringBuilder out, String pair) {
        if (out.length() > 0) {
            out.append("; ");
        }
        out.append(pair);
    }
}
