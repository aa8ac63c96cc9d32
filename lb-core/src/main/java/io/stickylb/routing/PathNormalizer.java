package io.stickylb.routing;

import io.stickylb.config.PathsConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes a request target's path canonical before it is routed and forwarded (RFC 3986 §6.2.2): escapes of unreserved
 * characters decoded, other escapes' hex digits upper-cased, dot segments removed (§5.2.4) and, when asked, runs of
 * slashes folded. Without it {@code /api/../admin} or {@code /%61dmin} would be routed by one path and served by
 * another, since the backend normalises what the router did not. The query is left as it came.
 */
public final class PathNormalizer {

    /** Leaves every target as it came. */
    public static final PathNormalizer OFF = new PathNormalizer(false, false);

    private final boolean enabled;
    private final boolean mergeSlashes;

    private PathNormalizer(boolean enabled, boolean mergeSlashes) {
        this.enabled = enabled;
        this.mergeSlashes = mergeSlashes;
    }

    public static PathNormalizer of(PathsConfig config) {
        return config.normalize() ? new PathNormalizer(true, config.mergeSlashes()) : OFF;
    }

    /**
     * The target with its path made canonical: origin-form ({@code /p?q}) or absolute-form ({@code http://h/p?q});
     * {@code *} and authority-only targets come back as they are. Returns the very same string when nothing changes,
     * so an ordinary path costs one scan and no allocation.
     */
    public String normalize(String target) {
        if (!enabled) {
            return target;
        }
        int start = pathStart(target);
        if (start < 0) {
            return target;
        }
        int end = target.indexOf('?', start);
        if (end < 0) {
            end = target.length();
        }
        if (!needsWork(target, start, end)) {
            return target;
        }
        String path = removeDotSegments(decodeUnreserved(target, start, end));
        if (target.regionMatches(start, path, 0, path.length()) && path.length() == end - start) {
            return target;
        }
        return target.substring(0, start) + path + target.substring(end);
    }

    /** Where the path starts: 0 for origin-form, after the authority for absolute-form; -1 when there is none. */
    private static int pathStart(String target) {
        if (!target.isEmpty() && target.charAt(0) == '/') {
            return 0;
        }
        int scheme = target.indexOf("://");
        if (scheme < 0) {
            return -1;
        }
        for (int i = scheme + 3; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c == '/') {
                return i;
            }
            if (c == '?' || c == '#') {
                return -1;
            }
        }
        return -1;
    }

    private boolean needsWork(String s, int start, int end) {
        for (int i = start; i < end; i++) {
            char c = s.charAt(i);
            if (c == '%' && escapeChanges(s, i, end)) {
                return true;
            }
            if (c == '/' && i + 1 < end) {
                char next = s.charAt(i + 1);
                if (next == '/' && mergeSlashes || next == '.' && dotSegmentAt(s, i + 1, end)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * True when the escape at {@code i} is rewritten: it stands for an unreserved character or has a lower-case hex
     * digit. Escapes already canonical (non-ASCII paths, {@code %20}) are everyday targets, and must cost nothing.
     */
    private static boolean escapeChanges(String s, int i, int end) {
        if (i + 2 >= end) {
            return false;
        }
        int value = hexPair(s, i + 1);
        return value >= 0 && (unreserved(value) || Character.isLowerCase(s.charAt(i + 1))
                || Character.isLowerCase(s.charAt(i + 2)));
    }

    /** True when the segment at {@code i} is {@code .} or {@code ..}, bare or with parameters ({@code ..;x}). */
    private static boolean dotSegmentAt(String s, int i, int end) {
        int k = i + 1;
        if (k < end && s.charAt(k) == '.') {
            k++;
        }
        return k == end || s.charAt(k) == '/' || s.charAt(k) == ';';
    }

    private static String decodeUnreserved(String s, int start, int end) {
        if (s.indexOf('%', start) < 0 || s.indexOf('%', start) >= end) {
            return s.substring(start, end);
        }
        StringBuilder out = new StringBuilder(end - start);
        for (int i = start; i < end; i++) {
            char c = s.charAt(i);
            int value = c == '%' && i + 2 < end ? hexPair(s, i + 1) : -1;
            if (value < 0) {
                out.append(c);
            } else if (unreserved(value)) {
                out.append((char) value);
                i += 2;
            } else {
                out.append('%').append(Character.toUpperCase(s.charAt(i + 1)))
                        .append(Character.toUpperCase(s.charAt(i + 2)));
                i += 2;
            }
        }
        return out.toString();
    }

    private static int hexPair(String s, int i) {
        int hi = Character.digit(s.charAt(i), 16);
        int lo = Character.digit(s.charAt(i + 1), 16);
        return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
    }

    /** RFC 3986 §2.3: ALPHA / DIGIT / "-" / "." / "_" / "~". */
    private static boolean unreserved(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    /**
     * RFC 3986 §5.2.4 over whole segments. A {@code .} or {@code ..} segment with parameters ({@code ..;x}) counts
     * as one too, since servlet containers strip the parameters before they resolve dots (the Tomcat
     * {@code /..;/} bypass); other parameters, such as {@code ;jsessionid=}, stay.
     */
    private String removeDotSegments(String path) {
        List<String> segments = new ArrayList<>();
        boolean endSlash = false;
        int i = 1;
        while (i <= path.length()) {
            int j = path.indexOf('/', i);
            if (j < 0) {
                j = path.length();
            }
            String segment = path.substring(i, j);
            boolean last = j == path.length();
            if (segment.equals("..") || segment.startsWith("..;")) {
                if (!segments.isEmpty()) {
                    segments.remove(segments.size() - 1);
                }
                endSlash = last;
            } else if (segment.equals(".") || segment.startsWith(".;") || segment.isEmpty() && mergeSlashes) {
                endSlash = last;
            } else {
                segments.add(segment);
            }
            i = j + 1;
        }
        StringBuilder out = new StringBuilder(path.length());
        for (String segment : segments) {
            out.append('/').append(segment);
        }
        if (endSlash || out.length() == 0) {
            out.append('/');
        }
        return out.toString();
    }
}
