package io.stickylb.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The client request decoder on its own, fed through an embedded channel whole, split at every byte and with
 * requests back to back: heads come out re-encodable (as the very bytes received when nothing changed), bodies as
 * their data, malformed input as a failure with the cause that picks the status. The end-to-end rejections through
 * the proxy are in MalformedRequestTest.
 */
class RequestDecoderTest {

    private static final String GET = "GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\nX-A: 1\r\nCookie: s=2\r\n\r\n";
    private static final String CHUNKED = "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;ext=\"v\"\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\nContent-Length: 9\r\n\r\n";

    /** One decoded request: its head, the head as encoded again, its body, its trailers, whether it ended. */
    private record Decoded(HttpRequest head, String encoded, String body, String trailers, boolean ended,
                           Throwable failure) {
    }

    private static final class Watch implements RequestDecoder.HeadWatch {
        int started;
        int ended;

        @Override
        public void headStarted() {
            started++;
        }

        @Override
        public void headEnded() {
            ended++;
        }
    }

    private static List<Decoded> decode(String wire, int splitEvery) {
        return decode(wire, splitEvery, new Watch(), 8192, 16384);
    }

    private static List<Decoded> decode(String wire, int splitEvery, Watch watch, int maxLine, int maxFields) {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder(maxLine, maxFields, watch));
        List<Decoded> out = new ArrayList<>();
        HttpRequest head = null;
        String encoded = null;
        StringBuilder body = new StringBuilder();
        byte[] bytes = wire.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < bytes.length; i += splitEvery) {
            ch.writeInbound(Unpooled.copiedBuffer(bytes, i, Math.min(splitEvery, bytes.length - i)));
            Object m;
            while ((m = ch.readInbound()) != null) {
                if (m instanceof HttpRequest r) {
                    if (r.decoderResult().isFailure()) {
                        out.add(new Decoded(r, null, "", null, false, r.decoderResult().cause()));
                        continue;
                    }
                    head = r;
                    encoded = encoded((ClientRequest) r);
                    continue;
                }
                HttpContent c = (HttpContent) m;
                if (c.decoderResult().isFailure()) {
                    out.add(new Decoded(head, encoded, body.toString(), null, false, c.decoderResult().cause()));
                    c.release();
                    continue;
                }
                body.append(c.content().toString(StandardCharsets.ISO_8859_1));
                if (c instanceof LastHttpContent last) {
                    String trailers = last.trailingHeaders().isEmpty() ? ""
                            : last.trailingHeaders().entries().toString();
                    out.add(new Decoded(head, encoded, body.toString(), trailers, true, null));
                    body.setLength(0);
                }
                c.release();
            }
        }
        ch.finishAndReleaseAll();
        return out;
    }

    /** The head as the proxy writes it for the backend. */
    private static String encoded(ClientRequest r) {
        ByteBuf out = Unpooled.buffer();
        try {
            r.encode(out);
            return out.toString(StandardCharsets.ISO_8859_1);
        } finally {
            out.release();
        }
    }

    @ParameterizedTest(name = "split every {0} bytes")
    @ValueSource(ints = {1, 2, 3, 7, 64, 100_000})
    void bodylessRequestComesOutAsReceived(int split) {
        List<Decoded> d = decode(GET, split);
        assertThat(d).hasSize(1);
        ClientRequest r = (ClientRequest) d.get(0).head();
        assertThat(r.method()).isSameAs(HttpMethod.GET);
        assertThat(r.uri()).isEqualTo("/a?b=1");
        assertThat(r.protocolVersion()).isSameAs(HttpVersion.HTTP_1_1);
        assertThat(r.headers().get("host")).isEqualTo("example.com");
        assertThat(r.headers().getAll("COOKIE")).containsExactly("s=2");
        // Each value becomes a string once, however often it is read.
        assertThat(r.headers().get("Host")).isSameAs(r.headers().getAll("HOST").get(0));
        assertThat(r.keepAlive()).isTrue();
        assertThat(r.hasBody()).isFalse();
        assertThat(r.hasHopByHop()).isFalse();
        assertThat(d.get(0).encoded()).isEqualTo(GET);
        assertThat(d.get(0).ended()).isTrue();
    }

    @ParameterizedTest(name = "split every {0} bytes")
    @ValueSource(ints = {1, 2, 3, 7, 64, 100_000})
    void chunkedBodyComesOutAsDataWithItsTrailers(int split) {
        List<Decoded> d = decode(CHUNKED + GET, split);
        assertThat(d).hasSize(2);
        assertThat(((ClientRequest) d.get(0).head()).chunked()).isTrue();
        assertThat(d.get(0).body()).isEqualTo("hello world");
        // Framing fields are dropped from trailers.
        assertThat(d.get(0).trailers()).isEqualTo("[X-Trailer=t]");
        assertThat(d.get(1).head().uri()).isEqualTo("/a?b=1");
    }

    @Test
    void trailersLoseTheConnectionRoutingAndForwardingFieldsABackendCouldMergeIntoTheHeader() {
        String request = "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n"
                + "Host: evil\r\nX-Forwarded-For: 6.6.6.6\r\nx-forwarded-proto: https\r\nX-Forwarded-Host: evil\r\n"
                + "Forwarded: for=6.6.6.6\r\nConnection: close\r\nKeep-Alive: 1\r\nTE: trailers\r\nUpgrade: h2c\r\n"
                + "Proxy-Connection: close\r\nTrailer: X-Sum\r\nX-Sum: 42\r\n\r\n";
        List<Decoded> d = decode(request, 100_000);
        assertThat(d.get(0).body()).isEqualTo("hello");
        assertThat(d.get(0).trailers()).isEqualTo("[X-Sum=42]");
    }

    @ParameterizedTest(name = "split every {0} bytes")
    @ValueSource(ints = {1, 3, 100_000})
    void contentLengthBodyIsFollowedByTheNextRequest(int split) {
        String post = "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789";
        List<Decoded> d = decode("\r\n" + post + post + GET, split);
        assertThat(d).extracting(Decoded::body).containsExactly("0123456789", "0123456789", "");
        assertThat(((ClientRequest) d.get(0).head()).contentLength()).isEqualTo(10);
        assertThat(d).allMatch(Decoded::ended);
    }

    @Test
    void editsAreWrittenAndTheRequestLineRebuiltOnlyWhenItChanged() {
        ClientRequest r = (ClientRequest) decode("GET http://h/x HTTP/1.0\r\nHost: h\r\n"
                + "Connection: keep-alive, X-Drop\r\nX-Drop: 1\r\nX-Keep: 2\r\n\r\n", 100).get(0).head();
        assertThat(r.keepAlive()).isTrue();
        assertThat(r.hasHopByHop()).isTrue();
        r.fields().removeAll(List.of("connection", "x-drop"));
        r.headers().set("X-Forwarded-For", "10.0.0.1");
        r.setProtocolVersion(HttpVersion.HTTP_1_1);
        r.setUri("/x");
        assertThat(encoded(r))
                .isEqualTo("GET /x HTTP/1.1\r\nHost: h\r\nX-Keep: 2\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n");
    }

    @Test
    void addedFieldsFollowTheReceivedOnesCopiedWhole() {
        ClientRequest r = (ClientRequest) decode(GET, 100).get(0).head();
        r.headers().add("X-Forwarded-Proto", "http");
        assertThat(encoded(r))
                .isEqualTo(GET.substring(0, GET.length() - 2) + "X-Forwarded-Proto: http\r\n\r\n");
    }

    @Test
    void headsWithManyFieldsKeepEveryFieldAndEditBeyondTheSixtyFourth() {
        StringBuilder head = new StringBuilder("GET / HTTP/1.1\r\nHost: h\r\n");
        for (int i = 1; i <= 150; i++) {
            head.append("X-F").append(i).append(": v").append(i).append("\r\n");
        }
        String wire = head + "\r\n";
        // Two heads back to back: the second is parsed while the first is still held, so they must not share state.
        List<Decoded> d = decode(wire + GET, 100);
        ClientRequest many = (ClientRequest) d.get(0).head();
        ClientRequest small = (ClientRequest) d.get(1).head();
        assertThat(d.get(0).encoded()).isEqualTo(wire);
        assertThat(d.get(1).encoded()).isEqualTo(GET);
        assertThat(many.headers().size()).isEqualTo(151);
        assertThat(many.headers().get("x-f150")).isEqualTo("v150");
        assertThat(small.headers().get("x-a")).isEqualTo("1");

        many.headers().remove("X-F3");
        many.headers().remove("X-F70");
        many.fields().removeAll(List.of("x-f64", "x-f65", "x-f150"));
        assertThat(many.headers().size()).isEqualTo(146);
        assertThat(many.headers().contains("X-F70")).isFalse();
        assertThat(many.headers().contains("X-F71")).isTrue();
        String expected = wire.replace("X-F3: v3\r\n", "").replace("X-F70: v70\r\n", "")
                .replace("X-F64: v64\r\n", "").replace("X-F65: v65\r\n", "").replace("X-F150: v150\r\n", "");
        assertThat(encoded(many)).isEqualTo(expected);
    }

    @Test
    void editAllEditsRemovesAndKeepsInOnePassKeepingTheOrderOfThatName() {
        ClientRequest r = (ClientRequest) decode("GET / HTTP/1.1\r\nCookie: a=1\r\nHost: h\r\nCookie: drop\r\n"
                + "Cookie: b=2\r\nX-Z: z\r\nCookie: c=3\r\n\r\n", 100).get(0).head();
        List<String> seen = new ArrayList<>();
        r.fields().editAll("cookie", v -> {
            seen.add(v);
            return v.equals("drop") ? null : v.equals("b=2") ? "b=22" : v;
        });
        assertThat(seen).containsExactly("a=1", "drop", "b=2", "c=3");
        // The first cookie is untouched and stays; from the first change on, every later cookie moves after the
        // received fields, in its order.
        assertThat(r.headers().getAll("cookie")).containsExactly("a=1", "b=22", "c=3");
        assertThat(encoded(r)).isEqualTo(
                "GET / HTTP/1.1\r\nCookie: a=1\r\nHost: h\r\nX-Z: z\r\ncookie: b=22\r\ncookie: c=3\r\n\r\n");
    }

    @Test
    void editAllThatChangesNothingLeavesTheReceivedBytes() {
        ClientRequest r = (ClientRequest) decode(GET, 100).get(0).head();
        r.fields().editAll("cookie", v -> v);
        r.fields().editAll("x-absent", v -> null);
        assertThat(r.fields().unchanged()).isTrue();
        assertThat(encoded(r)).isEqualTo(GET);
    }

    @Test
    void editAllAlsoEditsAddedFieldsAndCopiedHeaders() {
        ClientRequest r = (ClientRequest) decode(GET, 100).get(0).head();
        r.headers().add("Cookie", "t=4");
        r.fields().editAll("cookie", v -> v.equals("s=2") ? null : v + "0");
        assertThat(r.headers().getAll("cookie")).containsExactly("t=40");

        ClientRequest copied = (ClientRequest) decode(GET, 100).get(0).head();
        assertThat(copied.headers().names()).contains("Cookie"); // any other operation copies the fields
        copied.fields().editAll("cookie", v -> "s=9");
        assertThat(copied.headers().getAll("cookie")).containsExactly("s=9");
        assertThat(encoded(copied)).contains("s=9").doesNotContain("s=2");
    }

    @Test
    void theHopByHopFieldsTheParserMarkedGoInOneStep() {
        String head = "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nTE: trailers\r\nX-A: 1\r\n"
                + "Keep-Alive: timeout=5\r\nUPGRADE: h2c\r\nProxy-Connection: x\r\nTrailer: t\r\nX-TE: 2\r\n\r\n";
        ClientRequest r = (ClientRequest) decode(head, 100).get(0).head();
        assertThat(r.fields().removeMarkedHopByHop()).isTrue();
        assertThat(encoded(r))
                .isEqualTo("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nX-TE: 2\r\n\r\n");
    }

    @Test
    void theMarksAloneAreNotEnoughWhenConnectionNamesFieldsOrFieldsWereAddedCopiedOrMany() {
        String head = "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
        ClientRequest naming = (ClientRequest) decode(
                "GET / HTTP/1.1\r\nHost: h\r\nConnection: X-Hop\r\nX-Hop: 1\r\n\r\n", 100).get(0).head();
        ClientRequest added = (ClientRequest) decode(head, 100).get(0).head();
        added.headers().add("X-B", "1");
        ClientRequest copied = (ClientRequest) decode(head, 100).get(0).head();
        assertThat(copied.headers().names()).contains("Connection");
        StringBuilder many = new StringBuilder("GET / HTTP/1.1\r\n");
        for (int i = 0; i < 70; i++) {
            many.append("X-F").append(i).append(": v\r\n");
        }
        ClientRequest beyond = (ClientRequest) decode(many + "Connection: close\r\n\r\n", 100).get(0).head();
        for (ClientRequest r : List.of(naming, added, copied, beyond)) {
            assertThat(r.fields().removeMarkedHopByHop()).isFalse();
            assertThat(r.headers().contains("connection")).as("nothing removed").isTrue();
        }
    }

    @Test
    void addedFieldsCanBeReplacedRemovedAndCounted() {
        ClientRequest r = (ClientRequest) decode("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nX-A: 2\r\n\r\n", 100)
                .get(0).head();
        RawHeaders h = r.fields();
        assertThat(h.occurrences("x-a")).isEqualTo(2);
        assertThat(h.occurrences("host")).isEqualTo(1);
        assertThat(h.occurrences("x-none")).isZero();
        for (int i = 0; i < 6; i++) {
            h.add("X-B", "b" + i);
        }
        h.add("X-C", "c");
        assertThat(h.occurrences("X-B")).isEqualTo(6);
        h.set("X-B", "only");
        h.set("x-a", "3");
        assertThat(h.getAll("x-b")).containsExactly("only");
        assertThat(h.occurrences("x-a")).isEqualTo(1);
        assertThat(h.unchanged()).isFalse();
        assertThat(encoded(r))
                .isEqualTo("GET / HTTP/1.1\r\nHost: h\r\nX-C: c\r\nX-B: only\r\nx-a: 3\r\n\r\n");
    }

    @Test
    void keepAliveFollowsVersionAndConnection() {
        assertThat(((ClientRequest) decode("GET / HTTP/1.0\r\n\r\n", 100).get(0).head()).keepAlive()).isFalse();
        assertThat(((ClientRequest) decode("GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n", 100).get(0)
                .head()).keepAlive()).isFalse();
        assertThat(((ClientRequest) decode("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 100).get(0)
                .head()).keepAlive()).isTrue();
    }

    @Test
    void theParserNotesWhetherConnectionNamesOtherFields() {
        ClientRequest plain = (ClientRequest) decode("GET / HTTP/1.1\r\nHost: h\r\nConnection: Keep-Alive\r\n\r\n", 100)
                .get(0).head();
        assertThat(plain.hasHopByHop()).isTrue();
        assertThat(plain.fields().connectionNamesFields()).isFalse();
        ClientRequest naming = (ClientRequest) decode("GET / HTTP/1.1\r\nHost: h\r\nConnection: close, X-Drop\r\n\r\n",
                100).get(0).head();
        assertThat(naming.fields().connectionNamesFields()).isTrue();
        assertThat(naming.keepAlive()).isFalse();
    }

    @Test
    void otherVersionsAndMethodsAreDecodedForTheValidatorToJudge() {
        HttpRequest r = decode("BREW /pot HTTP/2.0\r\nHost: h\r\n\r\n", 1).get(0).head();
        assertThat(r.method().name()).isEqualTo("BREW");
        assertThat(r.protocolVersion().majorVersion()).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "GET / HTTP/1.1\nHost: h\n\n",
        "GET / HTTP/1.1\r\nHost: h\nX: 1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n",
        "GET / HTTP/1.1\r\nHost : h\r\n\r\n",
        "GET / HTTP/1.1\r\nHo@st: h\r\n\r\n",
        "GET / HTTP/1.1\r\n: h\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\u0000b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",
        "GET  / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1 \r\n\r\n",
        "GET /\u00e9 HTTP/1.1\r\n\r\n",
        "GET / Http/1.1\r\n\r\n",
        "GET / HTTP/11\r\n\r\n",
        "G:T / HTTP/1.1\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
        "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: ,chunked\r\n\r\n",
        "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
    })
    void malformedHeadsFailAndNothingAfterIsDecoded(String wire) {
        // Split at every byte, a bad request line fails as soon as its bad byte arrives, before the head is complete.
        for (int split : new int[] {1, 100_000}) {
            List<Decoded> d = decode(wire + GET, split);
            assertThat(d).as(wire).hasSize(1);
            assertThat(d.get(0).failure()).as(wire).isExactlyInstanceOf(IllegalArgumentException.class);
        }
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"\u0016\u0003\u0001\u0000\u00a5", "\u0000\u0001", "G(T", "GET\t", "GET /a\u0001",
        "GET /\r\n", "GET / http", "GET / HTTP/1.1\n", "GET / HTTP/1.1 "})
    void aRequestLineThatCanNeverBeValidFailsBeforeItsHeadEnds(String prefix) {
        List<Decoded> d = decode(prefix, 100_000);
        assertThat(d).as(prefix).hasSize(1);
        assertThat(d.get(0).failure()).as(prefix).isExactlyInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"GET", "GET /a?b=1", "BREW /pot HTTP/2.", "GET / HTTP/1.1\r", "GET / HTTP/1.1\r\nHost"})
    void aRequestLinePrefixThatMayStillBeValidIsWaitedFor(String prefix) {
        assertThat(decode(prefix, 1)).as(prefix).isEmpty();
    }

    @Test
    void gzipThenChunkedIsAcceptedAsChunked() {
        List<Decoded> d = decode("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3\r\nabc\r\n0\r\n\r\n", 100_000);
        assertThat(d.get(0).body()).isEqualTo("abc");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"zz\r\n", "-3\r\nabc\r\n", "0x3\r\nabc\r\n", "3\r\nabcdef\r\n", "3;a\u0001b\r\nabc\r\n",
        "3\nabc\r\n", "3\r\nabc\n", "fffffffffffffffffff\r\n", "0\r\nBad Trailer: 1\r\n\r\n"})
    void malformedChunkedBodiesFailAfterTheHead(String chunks) {
        String wire = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks;
        for (int split : new int[] {1, 100_000}) {
            List<Decoded> d = decode(wire + GET, split);
            assertThat(d).as(chunks).hasSize(1);
            assertThat(d.get(0).head()).as(chunks).isInstanceOf(ClientRequest.class);
            assertThat(d.get(0).failure()).as(chunks).isNotNull();
        }
    }

    @Test
    void longRequestLineIs414AndLargeFieldsAre431EvenBeforeTheHeadEnds() {
        Watch w = new Watch();
        String line = "GET /" + "a".repeat(200) + " HTTP/1.1\r\n";
        assertThat(decode(line, 100_000, w, 100, 1000).get(0).failure())
                .isInstanceOf(TooLongHttpLineException.class);
        assertThat(decode(line.substring(0, 150), 100_000, w, 100, 1000).get(0).failure())
                .isInstanceOf(TooLongHttpLineException.class);
        String fields = "GET / HTTP/1.1\r\nX-Big: " + "b".repeat(1200) + "\r\n";
        assertThat(decode(fields + "\r\n", 100_000, w, 100, 1000).get(0).failure())
                .isInstanceOf(TooLongHttpHeaderException.class);
        assertThat(decode(fields, 100_000, w, 100, 1000).get(0).failure())
                .isInstanceOf(TooLongHttpHeaderException.class);
        // Unfinished and over the limit, though under request line + limit: nothing that follows can save it.
        assertThat(decode("GET / HTTP/1.1\r\nX: " + "b".repeat(1000), 100_000, w, 100, 1000).get(0).failure())
                .isInstanceOf(TooLongHttpHeaderException.class);
    }

    @Test
    void fieldsOfExactlyTheLimitPassEvenWhenTheHeadArrivesByteByByte() {
        String fields = "Host: h\r\nX: " + "b".repeat(1000 - 14) + "\r\n"; // 1000 bytes
        String wire = "GET / HTTP/1.1\r\n" + fields + "\r\n";
        for (int split : new int[] {1, 100_000}) {
            List<Decoded> d = decode(wire, split, new Watch(), 100, 1000);
            assertThat(d).as("split every %d", split).singleElement().extracting(Decoded::failure).isNull();
        }
        assertThat(decode("GET / HTTP/1.1\r\nX" + fields + "\r\n", 1, new Watch(), 100, 1000).get(0).failure())
                .isInstanceOf(TooLongHttpHeaderException.class);
    }

    @Test
    void theHeadTimerIsArmedOnlyForHeadsThatArriveInPieces() {
        Watch whole = new Watch();
        decode(GET + GET, 100_000, whole, 8192, 16384);
        assertThat(whole.started).isZero();
        assertThat(whole.ended).isEqualTo(3); // each head, and the connection's end
        Watch pieces = new Watch();
        decode(GET, 5, pieces, 8192, 16384);
        assertThat(pieces.started).isEqualTo(1);
        assertThat(pieces.ended).isGreaterThanOrEqualTo(1);
    }
}
