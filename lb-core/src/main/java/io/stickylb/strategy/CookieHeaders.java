package io.stickylb.strategy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.stickylb.codec.RawHeaders;
import java.util.Iterator;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Cookie header scanning and rewriting for the affinity modes (RFC 6265; Set-Cookie is {@link SetCookies}). Reading
 * scans in place and returns ranges packed as {@code start << 32 | end}, so the hit path creates no substrings;
 * rewriting builds a new header value only when something changes.
 */
final class CookieHeaders {

    /** The Cookie field's name as {@link RawHeaders} compares it. */
    private static final String COOKIE = HttpHeaderNames.COOKIE.toString();

    private CookieHeaders() {
    }

    /**
     * The range of the value of the first non-empty cookie {@code name} in a Cookie header, DQUOTEs removed, or -1
     * when there is none. Names are case-sensitive (RFC 6265 §5.4 compares them octet by octet).
     */
    static long value(CharSequence header, String name) {
        return value(header, name, 0);
    }

    /** As {@link #value(CharSequence, String)}, looking only at the pairs from index {@code from} on. */
    static long value(CharSequence header, String name, int from) {
        int len = header.length();
        int i = from;
        while (i < len) {
            int end = pairEnd(header, i);
            long v = valueIfNamed(header, i, end, name);
            // An empty pair (a cookie cleared at another path or domain) is no value: a later pair may still carry one.
            if (v >= 0) {
                return v;
            }
            i = end + 1;
        }
        return -1;
    }

    /**
     * The first Cookie header of a request that carries a non-empty cookie {@code name}, or null. RFC 6265 §5.4 has
     * user agents send one Cookie header, so the first is tried before any iterator is made.
     */
    static String headerWith(HttpHeaders headers, String name) {
        String first = headers.get(HttpHeaderNames.COOKIE);
        if (first == null || value(first, name) >= 0) {
            return first;
        }
        Iterator<String> it = headers.valueStringIterator(HttpHeaderNames.COOKIE);
        it.next();
        while (it.hasNext()) {
            String h = it.next();
            if (value(h, name) >= 0) {
                return h;
            }
        }
        return null;
    }

    /**
     * The Cookie headers of a request after the first: for the rare request that carries several, as a gateway from
     * HTTP/2 may send its cookie crumbs (RFC 9113 §8.2.3), where one header must not hide a cookie in another.
     */
    static List<String> afterFirst(HttpHeaders headers) {
        List<String> all = headers.getAll(HttpHeaderNames.COOKIE);
        return all.size() < 2 ? List.of() : all.subList(1, all.size());
    }

    /** The first non-empty value of cookie {@code name} over all Cookie headers of a request, or null. */
    static String requestValue(HttpHeaders headers, String name) {
        String h = headerWith(headers, name);
        if (h == null) {
            return null;
        }
        long r = value(h, name);
        return r < 0 ? null : h.substring(start(r), end(r));
    }

    static int start(long range) {
        return (int) (range >>> 32);
    }

    static int end(long range) {
        return (int) range;
    }

    /** How {@link #rewrite} changes one pair: the new value, {@link #KEEP}, or null to remove the pair. */
    @FunctionalInterface
    interface PairEdit {
        /** Edits the pair whose value (without DQUOTEs) is {@code header[from, to)}. */
        String apply(String header, int from, int to);
    }

    /** Returned by a {@link PairEdit} to leave a pair as it is; compared by identity, so never a real value. */
    @SuppressWarnings("StringOperationCanBeSimplified")
    static final String KEEP = new String("keep");

    /** Removes every pair it is applied to. */
    static final PairEdit REMOVE = (header, from, to) -> null;

    /**
     * Rewrites every Cookie header of a request with {@code edit}: a pair for which it returns null is removed, and
     * a header left without pairs is dropped. Headers whose pairs all come back unchanged keep their original text.
     */
    static void rewrite(HttpHeaders headers, String name, PairEdit edit) {
        rewrite(headers, new Rewrite(name, edit));
    }

    /** As {@link #rewrite(HttpHeaders, String, PairEdit)}, with an editor made once (a carrier's, per request). */
    static void rewrite(HttpHeaders headers, Rewrite rewrite) {
        // On the proxy's own heads one pass over the fields finds, edits and removes.
        RawHeaders.editAll(headers, COOKIE, rewrite);
    }

    /** One Cookie header edited by {@link #rewriteOne}: the same instance when unchanged, null when no pair is left. */
    static final class Rewrite implements UnaryOperator<String> {
        private final String name;
        private final PairEdit edit;

        Rewrite(String name, PairEdit edit) {
            this.name = name;
            this.edit = edit;
        }

        @Override
        public String apply(String header) {
            String r = rewriteOne(header, name, edit);
            return r.isEmpty() ? null : r;
        }
    }

    /**
     * One Cookie header with the pairs named {@code name} edited; the same instance when nothing changed, and an empty
     * string when no pair is left. Pairs are re-joined with "; " as RFC 6265 §4.2.1 writes them.
     */
    static String rewriteOne(String header, String name, PairEdit edit) {
        if (header.indexOf(name) < 0) {
            return header;
        }
        int len = header.length();
        // Where the first changed pair starts, or -1 while nothing changed. The new value is only built once a pair
        // must be written after that change, so removing the only pair (the usual insert-mode request) builds none.
        int changedAt = -1;
        StringBuilder sb = null;
        int i = 0;
        while (i < len) {
            int end = pairEnd(header, i);
            int ps = skipSeparators(header, i, end);
            int pe = end;
            while (pe > ps && isOws(header.charAt(pe - 1))) {
                pe--;
            }
            long v = valueIfNamed(header, i, end, name);
            String edited = KEEP;
            int vs = pe;
            int ve = pe;
            if (v != -2) {
                vs = v < 0 ? pe : start(v);
                ve = v < 0 ? pe : end(v);
                edited = edit.apply(header, vs, ve);
                if (edited != KEEP && changedAt < 0) {
                    changedAt = i;
                }
            }
            if (changedAt >= 0 && pe > ps && edited != null) {
                if (sb == null) {
                    // The first pair to write after a change: the untouched pairs before it go first, as they are.
                    sb = pairsBefore(header, changedAt, len);
                }
                if (sb.length() > 0) {
                    sb.append("; ");
                }
                if (edited == KEEP) {
                    sb.append(header, ps, pe);
                } else {
                    sb.append(header, ps, vs).append(edited).append(header, ve, pe);
                }
            }
            i = end + 1;
        }
        if (changedAt < 0) {
            return header;
        }
        if (sb == null) {
            // Only removals after the first change: what is left is the pairs before it.
            return changedAt == 0 ? "" : pairsBefore(header, changedAt, changedAt).toString();
        }
        return sb.toString();
    }

    private static StringBuilder pairsBefore(String header, int to, int capacity) {
        StringBuilder sb = new StringBuilder(capacity);
        appendPairs(sb, header, 0, to);
        return sb;
    }

    /** Appends the pairs of {@code header[from, to)} normalised to "; " separators. */
    private static void appendPairs(StringBuilder sb, String header, int from, int to) {
        int i = from;
        while (i < to) {
            int end = Math.min(pairEnd(header, i), to);
            int ps = skipSeparators(header, i, end);
            int pe = end;
            while (pe > ps && isOws(header.charAt(pe - 1))) {
                pe--;
            }
            if (pe > ps) {
                if (sb.length() > 0) {
                    sb.append("; ");
                }
                sb.append(header, ps, pe);
            }
            i = end + 1;
        }
    }

    /** End of the pair starting at {@code from}: the next ';' or the end. */
    private static int pairEnd(CharSequence s, int from) {
        if (s instanceof String str) {
            // Headers are Strings on the request path: indexOf is an intrinsic, where a charAt loop costs a call's
            // worth of checks per character (the cookie scans were the largest part of a cookie hit's cost).
            int i = str.indexOf(';', from);
            return i < 0 ? str.length() : i;
        }
        int len = s.length();
        int i = from;
        while (i < len && s.charAt(i) != ';') {
            i++;
        }
        return i;
    }

    private static int skipSeparators(CharSequence s, int i, int end) {
        while (i < end && isOws(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /**
     * If the pair in {@code s[from, end)} is named {@code name}: its value range (DQUOTEs and OWS removed), or -1 for
     * an empty value. Otherwise -2.
     */
    static long valueIfNamed(CharSequence s, int from, int end, String name) {
        int i = skipSeparators(s, from, end);
        int nameEnd = i + name.length();
        if (nameEnd > end || !regionEquals(s, i, name)) {
            return -2;
        }
        int eq = nameEnd;
        while (eq < end && isOws(s.charAt(eq))) {
            eq++;
        }
        if (eq >= end || s.charAt(eq) != '=') {
            return -2;
        }
        int vs = eq + 1;
        int ve = end;
        while (vs < ve && isOws(s.charAt(vs))) {
            vs++;
        }
        while (ve > vs && isOws(s.charAt(ve - 1))) {
            ve--;
        }
        if (ve - vs >= 2 && s.charAt(vs) == '"' && s.charAt(ve - 1) == '"') {
            vs++;
            ve--;
        }
        return ve > vs ? (long) vs << 32 | ve : -1;
    }

    private static boolean regionEquals(CharSequence s, int at, String name) {
        for (int k = 0; k < name.length(); k++) {
            if (s.charAt(at + k) != name.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }
}
