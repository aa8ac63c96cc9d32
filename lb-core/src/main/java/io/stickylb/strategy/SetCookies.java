package io.stickylb.strategy;

import io.stickylb.config.AffinityConfig;

/**
 * Set-Cookie helpers for the affinity modes: which cookie a backend's Set-Cookie sets and with what value, whether it
 * deletes it, and the attributes of the cookie stickylb inserts. Ranges are packed as in {@link CookieHeaders}.
 */
final class SetCookies {

    private SetCookies() {
    }

    /** The value range of a Set-Cookie header if it sets cookie {@code name} (empty values included), else -1. */
    static long setCookieValue(CharSequence setCookie, String name) {
        int end = 0;
        while (end < setCookie.length() && setCookie.charAt(end) != ';') {
            end++;
        }
        long v = CookieHeaders.valueIfNamed(setCookie, 0, end, name);
        if (v == -2) {
            return -1;
        }
        if (v == -1) {
            int eq = indexOf(setCookie, '=', 0, end);
            return (long) (eq + 1) << 32 | (eq + 1);
        }
        return v;
    }

    /** True when a Set-Cookie header deletes its cookie: an empty value or {@code Max-Age} of zero or less. */
    static boolean isDeletion(String setCookie, long valueRange) {
        if (CookieHeaders.end(valueRange) == CookieHeaders.start(valueRange)) {
            return true;
        }
        int semi = setCookie.indexOf(';');
        if (semi < 0) {
            return false;
        }
        for (String attribute : setCookie.substring(semi + 1).split(";")) {
            int eq = attribute.indexOf('=');
            if (eq > 0 && attribute.substring(0, eq).trim().equalsIgnoreCase("max-age")) {
                // RFC 6265 §5.2.2: a delta of zero or less expires the cookie at once.
                String delta = attribute.substring(eq + 1).trim();
                return delta.startsWith("-") || !delta.isEmpty() && delta.chars().allMatch(c -> c == '0');
            }
        }
        return false;
    }

    /** The attributes after the value of an inserted cookie, e.g. {@code "; Path=/; HttpOnly; SameSite=Lax"}. */
    static String attributes(AffinityConfig a) {
        StringBuilder sb = new StringBuilder();
        sb.append("; Path=").append(a.path());
        if (a.domain() != null && !a.domain().isEmpty()) {
            sb.append("; Domain=").append(a.domain());
        }
        long maxAge = a.maxAge().toSeconds();
        if (maxAge > 0) {
            sb.append("; Max-Age=").append(maxAge);
        }
        if (a.httpOnly()) {
            sb.append("; HttpOnly");
        }
        if (a.secure()) {
            sb.append("; Secure");
        }
        if (a.sameSite() != null && !a.sameSite().isEmpty()) {
            sb.append("; SameSite=").append(a.sameSite());
        }
        return sb.toString();
    }

    private static int indexOf(CharSequence s, char c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }
}
