package io.stickylb.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** Suggests the closest known name for a misspelt one (edit distance), for "did you mean ...?" hints. */
final class DidYouMean {

    private DidYouMean() {
    }

    /** The candidate closest to {@code input}, if any is close enough to be a plausible typo. */
    static Optional<String> suggest(String input, Collection<String> candidates) {
        String in = input.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            String c = candidate.toLowerCase(Locale.ROOT);
            int d = distance(in, c);
            // pathPrefix / path_prefix for path-prefix: same letters, other separators.
            boolean sameLetters = squash(in).equals(squash(c));
            // max-body for max-body-size: a truncated name is a likely slip even though many letters are missing.
            boolean truncated = in.length() >= 4 && c.startsWith(in);
            // A third of the length (at least 1, at most 3) separates typos from unrelated words.
            boolean close = sameLetters || truncated || d <= Math.min(3, Math.max(1, c.length() / 3));
            if (close && d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The hint text, e.g. {@code " (did you mean 'listen'?)"}, or empty when nothing is close. */
    static String hint(String input, Collection<String> candidates) {
        return suggest(input, candidates).map(s -> " (did you mean '" + s + "'?)").orElse("");
    }

    /**
     * The edit distance with a swap of two adjacent letters counted as one edit (optimal string alignment): as plain
     * Levenshtein it cost two, over the one-edit bound of a short key, so "hots" got no hint for "host".
     */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(d[i - 1][j - 1] + cost, Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1));
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    private static String squash(String s) {
        return s.replace("-", "").replace("_", "");
    }
}
