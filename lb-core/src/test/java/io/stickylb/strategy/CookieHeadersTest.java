package io.stickylb.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.stickylb.codec.ClientRequest;
import io.stickylb.codec.RequestDecoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CookieHeadersTest {

    private static String value(String header, String name) {
        long r = CookieHeaders.value(header, name);
        return r < 0 ? null : header.substring(CookieHeaders.start(r), CookieHeaders.end(r));
    }

    @ParameterizedTest(name = "[{0}]")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
        "LB_ROUTE=abc                  | abc",
        "a=1; LB_ROUTE=abc; b=2        | abc",
        "a=1;LB_ROUTE=abc;b=2          | abc",
        "a=1;  LB_ROUTE = abc ;b=2     | abc",
        "LB_ROUTE=\"abc\"              | abc",
        "XLB_ROUTE=abc; LB_ROUTEX=def  | NULL",
        "lb_route=abc                  | NULL",
        "LB_ROUTE=                     | NULL",
        "LB_ROUTE=first; LB_ROUTE=two  | first",
        "LB_ROUTE=; LB_ROUTE=two       | two",
        "a=LB_ROUTE=x                  | NULL",
    })
    void valuesAreFoundByExactName(String header, String expected) {
        assertThat(value(header, "LB_ROUTE")).isEqualTo(expected);
    }

    @ParameterizedTest(name = "[{0}] -> [{1}]")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
        "LB_ROUTE=abc                      | NULL",
        "a=1; LB_ROUTE=abc; b=2            | a=1; b=2",
        "LB_ROUTE=abc; b=2                 | b=2",
        "a=1;LB_ROUTE=abc                  | a=1",
        "a=1; LB_ROUTE=x; LB_ROUTE=y; c=3  | a=1; c=3",
        "LB_ROUTE=; a=1                    | a=1",
        "XLB_ROUTE=1; a=2                  | XLB_ROUTE=1; a=2",
        "a=1 ;b=2;  LB_ROUTE=x ; c=3       | a=1; b=2; c=3",
        "a=1 ;b=2;  LB_ROUTE=x             | a=1; b=2",
        "LB_ROUTE=x; LB_ROUTE=y            | NULL",
    })
    void theAffinityCookieIsRemovedAndEmptyHeadersDropped(String header, String expected) {
        HttpHeaders headers = new DefaultHttpHeaders().add(HttpHeaderNames.COOKIE, header);
        CookieHeaders.rewrite(headers, "LB_ROUTE", CookieHeaders.REMOVE);
        assertThat(headers.get(HttpHeaderNames.COOKIE)).isEqualTo(expected);
        // The same on the proxy's own heads, as the request decoder makes them.
        ClientRequest received = received("GET / HTTP/1.1\r\nHost: h\r\nCookie: " + header + "\r\nX-A: 1\r\n\r\n");
        CookieHeaders.rewrite(received.headers(), "LB_ROUTE", CookieHeaders.REMOVE);
        assertThat(received.headers().get(HttpHeaderNames.COOKIE)).isEqualTo(expected);
        ByteBuf out = Unpooled.buffer();
        received.encode(out);
        // An unchanged field goes out as received, in its place; a rewritten one after the received fields.
        assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo(header.equals(expected)
                ? "GET / HTTP/1.1\r\nHost: h\r\nCookie: " + header + "\r\nX-A: 1\r\n\r\n"
                : "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n" + (expected == null ? "" : "cookie: " + expected + "\r\n")
                        + "\r\n");
        out.release();
    }

    /** A request head decoded by the proxy's own decoder. */
    static ClientRequest received(String head) {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder(8192, 16384, new RequestDecoder.HeadWatch() {
            @Override
            public void headStarted() {
            }

            @Override
            public void headEnded() {
            }
        }));
        ch.writeInbound(Unpooled.copiedBuffer(head, StandardCharsets.ISO_8859_1));
        ClientRequest r = ch.readInbound();
        ch.finishAndReleaseAll();
        return r;
    }

    @Test
    void unchangedHeadersKeepTheirExactText() {
        String header = "a=1;b=2 ;  c=3";
        assertThat(CookieHeaders.rewriteOne(header, "LB_ROUTE", CookieHeaders.REMOVE)).isSameAs(header);
        assertThat(CookieHeaders.rewriteOne(header, "b", (h, from, to) -> CookieHeaders.KEEP)).isSameAs(header);
    }

    @Test
    void everyCookieHeaderIsRewritten() {
        HttpHeaders headers = new DefaultHttpHeaders()
                .add(HttpHeaderNames.COOKIE, "a=1")
                .add(HttpHeaderNames.COOKIE, "LB_ROUTE=x")
                .add(HttpHeaderNames.COOKIE, "b=2; LB_ROUTE=y");
        assertThat(CookieHeaders.headerWith(headers, "LB_ROUTE")).isEqualTo("LB_ROUTE=x");
        CookieHeaders.rewrite(headers, "LB_ROUTE", CookieHeaders.REMOVE);
        assertThat(headers.getAll(HttpHeaderNames.COOKIE)).containsExactly("a=1", "b=2");

        ClientRequest received = received("GET / HTTP/1.1\r\nCookie: a=1\r\nCookie: LB_ROUTE=x\r\nHost: h\r\n"
                + "Cookie: b=2; LB_ROUTE=y\r\nCookie: c=3\r\n\r\n");
        CookieHeaders.rewrite(received.headers(), "LB_ROUTE", CookieHeaders.REMOVE);
        assertThat(received.headers().getAll(HttpHeaderNames.COOKIE)).containsExactly("a=1", "b=2", "c=3");
    }

    @Test
    void prefixesAreStrippedKeepingQuotes() {
        String token = new TokenCodec(java.util.List.of("k")).encode(new AffinityToken("b1", 1, 2, 3, 0));
        assertThat(CookieHeaders.rewriteOne("JSESSIONID=\"" + token + "~abc\"; x=1", "JSESSIONID",
                PrefixCookie::withoutPrefix)).isEqualTo("JSESSIONID=\"abc\"; x=1");
        assertThat(PrefixCookie.withoutPrefix("a~b", 0, 3)).isSameAs(CookieHeaders.KEEP);
    }

    @ParameterizedTest(name = "[{0}]")
    @CsvSource(delimiter = '|', value = {
        "JSESSIONID=abc; Path=/           | abc  | false",
        "JSESSIONID = abc                 | abc  | false",
        "JSESSIONID=; Path=/              | ''   | true",
        "JSESSIONID=abc; Max-Age=0        | abc  | true",
        "JSESSIONID=abc; max-age = -1     | abc  | true",
        "JSESSIONID=abc; Max-Age=100      | abc  | false",
        "JSESSIONID=abc; Max-Age=00       | abc  | true",
    })
    void setCookieValuesAndDeletions(String setCookie, String value, boolean deletion) {
        long r = SetCookies.setCookieValue(setCookie, "JSESSIONID");
        assertThat(setCookie.substring(CookieHeaders.start(r), CookieHeaders.end(r))).isEqualTo(value);
        assertThat(SetCookies.isDeletion(setCookie, r)).isEqualTo(deletion);
        assertThat(SetCookies.setCookieValue(setCookie, "OTHER")).isEqualTo(-1);
    }

    @ParameterizedTest(name = "[{0}]")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
        "/a;jsessionid=ID.r1?x=1        | ID.r1",
        "/a;JSESSIONID=ID.r1/b          | ID.r1",
        "/a;v=1;jsessionid=ID.r1;x=2    | ID.r1",
        "/a?x=;jsessionid=ID.r1         | NULL",
        "/a;jsessionid=                 | NULL",
        "/a;jsessionidx=ID              | NULL",
    })
    void pathParameters(String uri, String expected) {
        long r = RouteSuffix.pathParameter(uri, "jsessionid");
        assertThat(r < 0 ? null : uri.substring(CookieHeaders.start(r), CookieHeaders.end(r))).isEqualTo(expected);
    }
}
