package io.stickylb.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CacheControlTest {

    @ParameterizedTest(name = "[{0}] -> [{1}]")
    @CsvSource(delimiter = '|', value = {
        "                          | private",
        "private                   | private",
        "Private, max-age=60       | Private, max-age=60",
        "private=\"Set-Cookie\"    | private=\"Set-Cookie\"",
        "no-store                  | no-store",
        "max-age=60                | max-age=60, private",
        "public, max-age=60        | max-age=60, private",
        "no-cache                  | no-cache, private",
        "public                    | private",
    })
    void aResponseSettingTheCookieIsNeverStoredByASharedCache(String before, String after) {
        HttpHeaders headers = new DefaultHttpHeaders();
        if (before != null) {
            headers.set(HttpHeaderNames.CACHE_CONTROL, before);
        }
        CacheControl.markPrivate(headers);
        assertThat(headers.getAll(HttpHeaderNames.CACHE_CONTROL)).containsExactly(after);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"max-age=60 | s-maxage=10 | max-age=60, s-maxage=10, private",
        "max-age=60 | no-store | max-age=60"})
    void severalHeadersAreMergedIntoOne(String first, String second, String after) {
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.add(HttpHeaderNames.CACHE_CONTROL, first);
        headers.add(HttpHeaderNames.CACHE_CONTROL, second);
        CacheControl.markPrivate(headers);
        if (after.contains("private")) {
            assertThat(headers.getAll(HttpHeaderNames.CACHE_CONTROL)).containsExactly(after);
        } else {
            assertThat(headers.getAll(HttpHeaderNames.CACHE_CONTROL)).containsExactly(first, second);
        }
    }
}
