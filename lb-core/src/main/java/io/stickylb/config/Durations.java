package io.stickylb.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and checks the duration syntax used in config: {@code 250ms}, {@code 2s}, {@code 1m}, {@code 1h}, {@code 1d},
 * or {@code 0}.
 */
public final class Durations {

    private static final Pattern SYNTAX = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)");
    /**
     * Longer than any timeout or cookie lifetime means, and far from where the nanosecond arithmetic of timers and
     * deadlines overflows: 999999999999d passed the check and then failed lb run with "long overflow".
     */
    static final Duration MAX = Duration.ofDays(3650);

    private Durations() {
    }

    /** Parses one duration; throws {@link IllegalArgumentException} naming the expected form. */
    public static Duration parse(String text) {
        String s = text == null ? "" : text.trim();
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = SYNTAX.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (expected e.g. 250ms, 2s, 1m, 1h)");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
        if (d.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("'" + text + "' is too long (expected at most " + format(MAX) + ")");
        }
        return d;
    }

    /** Formats the way config writes it, so errors and the admin API echo familiar values. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0";
        }
        if (ms % 86_400_000 == 0) {
            return ms / 86_400_000 + "d";
        }
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    static Duration requirePositive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + (d == null ? "missing" : format(d)) + " (expected: > 0)");
        }
        return d;
    }

    static Duration requireNonNegative(String name, Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(name + ": " + (d == null ? "missing" : format(d)) + " (expected: >= 0)");
        }
        return d;
    }
}
