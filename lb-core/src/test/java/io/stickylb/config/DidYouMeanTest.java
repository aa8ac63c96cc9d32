package io.stickylb.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Typo suggestions for unknown keys and values. */
class DidYouMeanTest {

    private static final List<String> KEYS = List.of("listen", "workers", "path-prefix", "pools", "routes", "max-age");

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "lisen, listen",
        "LISTEN, listen",
        "worker, workers",
        "pathPrefix, path-prefix",
        "path_prefix, path-prefix",
        "pool, pools",
        "rotues, routes",
        "maxage, max-age",
        "path, path-prefix",
    })
    void closeMisspellingsSuggestTheKnownName(String typo, String expected) {
        assertThat(DidYouMean.suggest(typo, KEYS)).contains(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"banana", "x", "timeouts", "lst", "pat"})
    void unrelatedWordsSuggestNothing(String word) {
        assertThat(DidYouMean.suggest(word, KEYS)).isEmpty();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"hots, host", "rotue, route", "mdoe, mode", "pol, pool"})
    void twoLettersSwappedInAShortKeySuggestTheKnownName(String typo, String expected) {
        // A swap cost two edits, over a short key's bound of one: "routes[0].hots: unknown key" had no hint.
        assertThat(DidYouMean.suggest(typo, List.of("host", "path-prefix", "pool", "route", "mode", "name")))
                .contains(expected);
    }

    @ParameterizedTest(name = "{0} / {1} = {2}")
    @CsvSource({"kitten, sitting, 3", "'', abc, 3", "abc, abc, 0", "flaw, lawn, 2", "hots, host, 1", "ab, ba, 1"})
    void distanceIsTheLevenshteinDistanceWithASwapAsOneEdit(String a, String b, int expected) {
        assertThat(DidYouMean.distance(a, b)).isEqualTo(expected);
    }
}
