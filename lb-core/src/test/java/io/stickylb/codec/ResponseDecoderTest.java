package io.stickylb.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The backend response decoder on its own, fed through an embedded channel: whole, split at every byte, and
 * several responses back to back; heads come out re-encodable, bodies byte for byte as received.
 */
class ResponseDecoderTest {

    private static final String CHUNKED = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n"
            + "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n";

    /** What one response decoded to: its head, the concatenated body bytes, and whether it ended. */
    private record Decoded(HttpResponse head, String head2, String body, boolean ended, boolean failed) {
    }

    /**
     * The decoder in a channel driven as the proxy drives it: a GET is outstanding from the start, and the next one
     * goes out as soon as a response has ended, so responses may follow each other in one read.
     */
    private static EmbeddedChannel channel(int maxLine, int maxHead) {
        ResponseDecoder decoder = new ResponseDecoder(maxLine, maxHead);
        decoder.expectResponseTo(HttpMethod.GET);
        return new EmbeddedChannel(decoder, new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof LastHttpContent) {
                    decoder.expectResponseTo(HttpMethod.GET);
                }
                ctx.fireChannelRead(msg);
            }
        });
    }

    /**
     * Separates responses that arrive in different reads. The next request goes out only once a response has ended,
     * so its answer can never share a read with the end of the one before (bytes that do are out of step).
     */
    private static final String NEXT_READ = "<next read>";

    private static List<Decoded> decode(String wire, int splitEvery, HttpMethod method, boolean dechunk) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ResponseDecoder decoder = new ResponseDecoder(8192, 32 * 1024);
        ch.pipeline().addLast(decoder);
        // As the proxy does it: decide on de-chunking when the head arrives, before the body is decoded.
        ch.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                if (dechunk && msg instanceof BackendResponse b && b.framing() == BackendResponse.Framing.CHUNKED) {
                    decoder.dechunk();
                }
                if (msg instanceof LastHttpContent) {
                    decoder.expectResponseTo(method); // the next request goes out as soon as a response has ended
                }
                ctx.fireChannelRead(msg);
            }
        });
        decoder.expectResponseTo(method);
        List<Decoded> out = new ArrayList<>();
        HttpResponse head = null;
        String encoded = null;
        StringBuilder body = new StringBuilder();
        List<byte[]> reads = new ArrayList<>();
        for (String part : wire.split(NEXT_READ)) {
            byte[] bytes = part.getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < bytes.length; i += splitEvery) {
                reads.add(java.util.Arrays.copyOfRange(bytes, i, Math.min(i + splitEvery, bytes.length)));
            }
        }
        for (byte[] read : reads) {
            ch.writeInbound(Unpooled.wrappedBuffer(read));
            Object m;
            while ((m = ch.readInbound()) != null) {
                if (m instanceof HttpResponse r) {
                    if (r.decoderResult().isFailure()) {
                        out.add(new Decoded(r, null, body.toString(), false, true));
                        ReferenceCountUtil.release(r);
                        continue;
                    }
                    head = r;
                    BackendResponse b = (BackendResponse) r;
                    ByteBuf e = b.encode(ByteBufAllocator.DEFAULT, 0);
                    // A small body that came with its head is encoded after it: the head is what precedes it.
                    encoded = e.toString(e.readerIndex(), e.readableBytes() - b.inlineBody(),
                            StandardCharsets.ISO_8859_1);
                    assertThat(e.toString(StandardCharsets.ISO_8859_1)).endsWith(
                            b.inlineBodyView().toString(StandardCharsets.ISO_8859_1));
                    body.append(b.inlineBodyView().toString(StandardCharsets.ISO_8859_1));
                    e.release();
                    b.release();
                } else {
                    HttpContent c = (HttpContent) m;
                    if (c.decoderResult().isFailure()) {
                        out.add(new Decoded(head, encoded, body.toString(), false, true));
                        c.release();
                        continue;
                    }
                    body.append(c.content().toString(StandardCharsets.ISO_8859_1));
                    boolean last = c instanceof LastHttpContent;
                    c.release();
                    if (last) {
                        out.add(new Decoded(head, encoded, body.toString(), true, false));
                        body.setLength(0);
                    }
                }
            }
        }
        ch.finishAndReleaseAll();
        return out;
    }

    @ParameterizedTest(name = "split every {0} bytes")
    @ValueSource(ints = {1, 2, 3, 7, 64, 100_000})
    void aChunkedResponseIsPassedOnWithItsFramingWhateverTheReadBoundaries(int split) {
        List<Decoded> d = decode(CHUNKED + NEXT_READ + CHUNKED, split, HttpMethod.GET, false);
        assertThat(d).hasSize(2);
        for (Decoded r : d) {
            assertThat(r.ended()).isTrue();
            assertThat(r.head2()).isEqualTo(CHUNKED.substring(0, CHUNKED.indexOf("\r\n\r\n") + 4));
            assertThat(r.body()).isEqualTo(CHUNKED.substring(CHUNKED.indexOf("\r\n\r\n") + 4));
        }
    }

    @ParameterizedTest(name = "split every {0} bytes")
    @ValueSource(ints = {1, 5, 100_000})
    void dechunkingKeepsOnlyTheDataAndStillFindsTheEnd(int split) {
        List<Decoded> d = decode(CHUNKED + NEXT_READ + "HTTP/1.1 204 No Content\r\n\r\n", split, HttpMethod.GET, true);
        assertThat(d).extracting(Decoded::body).containsExactly("hello world", "");
        assertThat(d.get(1).head().status().code()).isEqualTo(204);
    }

    @ParameterizedTest(name = "split every {0} bytes")
    @ValueSource(ints = {1, 4, 100_000})
    void contentLengthBodiesEndAtTheirLengthAndTheNextResponseFollows(int split) {
        String wire = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello" + NEXT_READ
                + "HTTP/1.0 201 Created\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n";
        List<Decoded> d = decode(wire, split, HttpMethod.GET, false);
        assertThat(d).extracting(Decoded::body).containsExactly("hello", "");
        BackendResponse second = (BackendResponse) d.get(1).head();
        assertThat(second.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_0);
        assertThat(second.keepAlive()).isTrue();
        assertThat(((BackendResponse) d.get(0).head()).keepAlive()).isTrue();
    }

    @Test
    void anUnchangedHeadIsRelayedAsTheVeryBytesReceived() {
        String head = "HTTP/1.1 200 Fine Thanks\r\nx-MiXeD: Case  \r\nContent-Length: 0\r\n\r\n";
        assertThat(decode(head, 100, HttpMethod.GET, false).get(0).head2()).isEqualTo(head);
    }

    @Test
    void editsRewriteTheHeadKeepingOrderStatusAndReason() {
        EmbeddedChannel ch = channel(8192, 32 * 1024);
        ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.0 299 Odd\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n"
                + "Keep-Alive: timeout=5\r\nB: 2\r\nContent-Length: 0\r\n\r\n", StandardCharsets.ISO_8859_1));
        BackendResponse r = ch.readInbound();
        assertThat(r.hasHopByHop()).isTrue();
        assertThat(r.headers().getAll("x-hop")).containsExactly("1");
        r.headers().remove("X-Hop").remove(HttpHeaderNames.CONNECTION).remove(HttpHeaderNames.KEEP_ALIVE);
        r.headers().add("Set-Cookie", "a=1");
        r.headers().set("b", "3");
        r.setProtocolVersion(HttpVersion.HTTP_1_1);
        ByteBuf out = r.encode(ByteBufAllocator.DEFAULT, 0);
        assertThat(out.toString(StandardCharsets.ISO_8859_1))
                .isEqualTo("HTTP/1.1 299 Odd\r\nContent-Length: 0\r\nSet-Cookie: a=1\r\nb: 3\r\n\r\n");
        out.release();
        r.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void anAddedFieldFollowsTheReceivedLinesAndBareLineFeedsAreNormalisedWhenRewritten() {
        for (String eol : new String[] {"\r\n", "\n"}) {
            EmbeddedChannel ch = channel(8192, 32 * 1024);
            ch.writeInbound(Unpooled.copiedBuffer(
                    "HTTP/1.1 200 OK" + eol + "A:1" + eol + "Content-Length: 0" + eol + eol,
                    StandardCharsets.ISO_8859_1));
            BackendResponse r = ch.readInbound();
            r.headers().add("Set-Cookie", "s=1");
            ByteBuf out = r.encode(ByteBufAllocator.DEFAULT, 0);
            // CRLF lines are copied as they came (no space added after the colon); bare-LF ones are rebuilt.
            String fieldA = eol.equals("\r\n") ? "A:1" : "A: 1";
            assertThat(out.toString(StandardCharsets.ISO_8859_1)).as(eol.length() + "-byte line ends")
                    .isEqualTo("HTTP/1.1 200 OK\r\n" + fieldA + "\r\nContent-Length: 0\r\nSet-Cookie: s=1\r\n\r\n");
            out.release();
            r.release();
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aHeadWithManyFieldsLosesOnlyTheRemovedOnes() {
        StringBuilder head = new StringBuilder("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n");
        for (int i = 1; i <= 80; i++) {
            head.append("Set-Cookie: c").append(i).append("=1\r\n");
        }
        EmbeddedChannel ch = channel(8192, 32 * 1024);
        ch.writeInbound(Unpooled.copiedBuffer(head + "Connection: keep-alive\r\n\r\n", StandardCharsets.ISO_8859_1));
        BackendResponse r = ch.readInbound();
        assertThat(r.headers().getAll("set-cookie")).hasSize(80).endsWith("c80=1");
        r.headers().remove("Connection");
        ByteBuf out = r.encode(ByteBufAllocator.DEFAULT, 0);
        assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo(head + "\r\n");
        out.release();
        r.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void aSmallBodyThatArrivesWithItsHeadTravelsInsideIt() {
        EmbeddedChannel ch = channel(8192, 32 * 1024);
        String first = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\nX-A: 1\r\n\r\nhello";
        String second = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nbye";
        ch.writeInbound(Unpooled.copiedBuffer(first, StandardCharsets.ISO_8859_1));
        BackendResponse a = ch.readInbound();
        assertThat(a.inlineBody()).isEqualTo(5);
        assertThat((Object) ch.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
        ch.writeInbound(Unpooled.copiedBuffer(second, StandardCharsets.ISO_8859_1));
        BackendResponse b = ch.readInbound();
        assertThat(b.inlineBody()).isEqualTo(3);
        assertThat((Object) ch.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);

        // A shorter head is written over the end of the received one.
        a.headers().remove("Connection");
        ByteBuf outA = a.encode(ByteBufAllocator.DEFAULT, 0);
        assertThat(outA.toString(StandardCharsets.ISO_8859_1))
                .isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello");
        // A longer one goes to a buffer of its own, with the body copied after it.
        b.headers().add("Set-Cookie", "a-cookie-longer-than-what-was-removed=1");
        b.headers().remove("Connection");
        ByteBuf outB = b.encode(ByteBufAllocator.DEFAULT, 0);
        assertThat(outB.toString(StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
                + "Set-Cookie: a-cookie-longer-than-what-was-removed=1\r\n\r\nbye");
        outA.release();
        outB.release();
        a.release();
        b.release();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void bodiesThatAreLargeOrNotYetHereFollowAsContent() {
        EmbeddedChannel ch = channel(8192, 32 * 1024);
        ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab",
                StandardCharsets.ISO_8859_1));
        BackendResponse split = ch.readInbound();
        assertThat(split.inlineBody()).isZero();
        HttpContent part = ch.readInbound();
        assertThat(part.content().toString(StandardCharsets.ISO_8859_1)).isEqualTo("ab");
        part.release();
        ch.writeInbound(Unpooled.copiedBuffer("cd", StandardCharsets.ISO_8859_1));
        HttpContent rest = ch.readInbound();
        assertThat(rest.content().toString(StandardCharsets.ISO_8859_1)).isEqualTo("cd");
        rest.release();
        assertThat((Object) ch.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
        split.release();

        String big = "x".repeat(ResponseDecoder.INLINE_BODY_BYTES + 1);
        ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: " + big.length() + "\r\n\r\n" + big,
                StandardCharsets.ISO_8859_1));
        BackendResponse large = ch.readInbound();
        assertThat(large.inlineBody()).isZero();
        HttpContent body = ch.readInbound();
        assertThat(body.content().readableBytes()).isEqualTo(big.length());
        body.release();
        assertThat((Object) ch.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
        large.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void operationsOutsideTheFastPathWorkOnACopyThatIsWhatGoesOut() {
        EmbeddedChannel ch = channel(8192, 32 * 1024);
        ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nA: 1\r\nContent-Length: 0\r\n\r\n",
                StandardCharsets.ISO_8859_1));
        BackendResponse r = ch.readInbound();
        assertThat(r.headers().names()).containsExactlyInAnyOrder("A", "Content-Length");
        r.headers().setInt("A", 2);
        ByteBuf out = r.encode(ByteBufAllocator.DEFAULT, 0);
        assertThat(out.toString(StandardCharsets.ISO_8859_1)).contains("A: 2\r\n").doesNotContain("A: 1");
        out.release();
        r.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void aFoldedFieldIsUnfoldedAndWhiteSpaceBeforeAColonRemoved() {
        String wire = "HTTP/1.1 200 OK\r\nX-A: 1\r\n   folded \r\nX-B : 2\r\nContent-Length: 0\r\n\r\n";
        Decoded d = decode(wire, 100, HttpMethod.GET, false).get(0);
        assertThat(d.head2()).isEqualTo("HTTP/1.1 200 OK\r\nX-A: 1 folded\r\nX-B: 2\r\nContent-Length: 0\r\n\r\n");
    }

    /** Chunk framing relayed with bare LF line ends broke strict clients (llhttp: "Missing expected CR"). */
    @ParameterizedTest(name = "split every {0} bytes")
    @ValueSource(ints = {1, 2, 5, 100_000})
    void bareLineFeedsInChunkFramingArePassedOnAsCrlfWhateverTheReadBoundaries(int split) {
        String head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        String mixed = "5;e=1\nhe\nlo\n3\r\nabc\n6\n world\r\n0\nX-T: 1\nX-U: 2\r\n\n";
        List<Decoded> d = decode(head + mixed + NEXT_READ + head + mixed, split, HttpMethod.GET, false);
        assertThat(d).extracting(Decoded::body).containsExactly(
                "5;e=1\r\nhe\nlo\r\n3\r\nabc\r\n6\r\n world\r\n0\r\nX-T: 1\r\nX-U: 2\r\n\r\n",
                "5;e=1\r\nhe\nlo\r\n3\r\nabc\r\n6\r\n world\r\n0\r\nX-T: 1\r\nX-U: 2\r\n\r\n");
        assertThat(decode(head + mixed, split, HttpMethod.GET, true)).extracting(Decoded::body)
                .containsExactly("he\nloabc world");
    }

    @Test
    void bareLineFeedsEndLinesToo() {
        List<Decoded> d = decode("HTTP/1.1 200 OK\nContent-Length: 2\n\nok" + NEXT_READ + "HTTP/1.1 200 OK\n"
                + "Transfer-Encoding: "
                + "chunked\n\n2\nok\n0\n\n", 3, HttpMethod.GET, false);
        assertThat(d).extracting(Decoded::body).containsExactly("ok", "2\r\nok\r\n0\r\n\r\n");
        // Accepted as RFC 9112 section 2.2 allows a recipient, but passed on with the CRLF line ends a sender owes.
        assertThat(d).extracting(Decoded::head2).containsExactly("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    }

    @Test
    void responsesToHeadAndBodilessStatusesCarryNoBody() {
        assertThat(decode("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", 100, HttpMethod.HEAD, false))
                .extracting(Decoded::body).containsExactly("");
        assertThat(decode("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n"
                + NEXT_READ + "HTTP/1.1 204 No Content\r\n\r\n", 1, HttpMethod.GET, false))
                .extracting(r -> r.head().status().code()).containsExactly(100, 304, 204);
    }

    @Test
    void aBodyUntilCloseEndsWhenTheConnectionCloses() {
        EmbeddedChannel ch = channel(8192, 32 * 1024);
        ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\n\r\nstreamed", StandardCharsets.ISO_8859_1));
        BackendResponse r = ch.readInbound();
        assertThat(r.framing()).isEqualTo(BackendResponse.Framing.UNTIL_CLOSE);
        assertThat(r.keepAlive()).isFalse();
        r.release();
        HttpContent c = ch.readInbound();
        assertThat(c.content().toString(StandardCharsets.ISO_8859_1)).isEqualTo("streamed");
        c.release();
        assertThat((Object) ch.readInbound()).isNull();
        ch.finish();
        assertThat((Object) ch.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
    }

    @Test
    void aResponseCutShortEndsWithoutALastContent() {
        EmbeddedChannel ch = channel(8192, 32 * 1024);
        ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf",
                StandardCharsets.ISO_8859_1));
        ReferenceCountUtil.release(ch.readInbound());
        ReferenceCountUtil.release(ch.readInbound());
        ch.finish();
        assertThat((Object) ch.readInbound()).isNull();
    }

    @ParameterizedTest(name = "[{index}]")
    @ValueSource(strings = {
        "HTTP/2.0 200 OK\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",
        "http/1.1 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
        "HTTP/1.1 200 OK\r\nBad\u0001Name: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX: nul\u0000inside\r\n\r\n",
        "HTTP/1.1 200 OK\r\n folded first\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
    })
    void malformedHeadsFail(String wire) {
        List<Decoded> d = decode(wire, 100_000, HttpMethod.GET, false);
        assertThat(d).hasSize(1);
        assertThat(d.get(0).failed()).isTrue();
        assertThat(d.get(0).head2()).isNull();
    }

    @ParameterizedTest(name = "[{index}]")
    @ValueSource(strings = {"zz\r\n", "5\r\nhelloXY", "5 x\r\nhello\r\n", "\r\n"})
    void malformedChunkFramingFailsTheBody(String badBody) {
        List<Decoded> d = decode("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + badBody, 1,
                HttpMethod.GET, false);
        assertThat(d).hasSize(1);
        assertThat(d.get(0).failed()).isTrue();
        assertThat(d.get(0).head()).isNotNull();
    }

    /** A chunk-size line over the line limit fails however it arrives: in one read with its LF, or byte by byte. */
    @ParameterizedTest(name = "split every {0} bytes")
    @ValueSource(ints = {1, 100_000})
    void anOverlongChunkSizeLineFailsWhateverTheReadBoundaries(int split) {
        List<Decoded> d = decode("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;e=" + "x".repeat(8200)
                + "\r\nok\r\n0\r\n\r\n", split, HttpMethod.GET, false);
        assertThat(d).hasSize(1);
        assertThat(d.get(0).failed()).isTrue();
    }

    /** One head through {@code ch}, read back as the proxy gets it; the caller decides whether to release it. */
    private static BackendResponse next(EmbeddedChannel ch, String head) {
        ch.writeInbound(Unpooled.copiedBuffer(head, StandardCharsets.ISO_8859_1));
        BackendResponse r = ch.readInbound();
        assertThat((Object) ch.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
        return r;
    }

    private static String encoded(BackendResponse r) {
        ByteBuf e = r.encode(ByteBufAllocator.DEFAULT, 0);
        try {
            return e.toString(StandardCharsets.ISO_8859_1);
        } finally {
            e.release();
        }
    }

    private static String headWithFields(int n, String tag) {
        StringBuilder head = new StringBuilder("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n");
        for (int i = 1; i <= n; i++) {
            head.append("X-").append(tag).append(i).append(": value-").append(tag).append(i).append("\r\n");
        }
        return head.append("\r\n").toString();
    }

    @Test
    void eachHeadRemovesTheHopByHopFieldsItsParserMarkedEvenInReusedArrays() {
        EmbeddedChannel ch = channel(8192, 32 * 1024);
        String first = "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\nKeep-Alive: timeout=5\r\n"
                + "\r\n";
        String second = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-A: 1\r\nX-B: 2\r\nConnection: keep-alive\r\n\r\n";
        BackendResponse a = next(ch, first);
        assertThat(a.fields().removeMarkedHopByHop()).isTrue();
        assertThat(encoded(a)).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        a.release();
        BackendResponse b = next(ch, second);
        assertThat(b.fields().positions()).isSameAs(a.fields().positions());
        assertThat(b.fields().removeMarkedHopByHop()).isTrue();
        assertThat(encoded(b)).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-A: 1\r\nX-B: 2\r\n\r\n");
        b.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void aReleasedHeadLendsItsArraysToTheNextOneWhichReadsOnlyItsOwnFields() {
        EmbeddedChannel ch = channel(8192, 32 * 1024);
        String small = headWithFields(2, "s");
        String large = headWithFields(40, "l");
        BackendResponse first = next(ch, small);
        first.release();
        // Longer than the first head's array and with more fields than its positions hold: both grow.
        BackendResponse second = next(ch, large);
        assertThat(second.fields().source()).isNotSameAs(first.fields().source());
        assertThat(second.headers().get("X-l40")).isEqualTo("value-l40");
        second.headers().remove("X-l1");
        assertThat(encoded(second)).isEqualTo(large.replace("X-l1: value-l1\r\n", ""));
        second.release();
        // A short head in the long one's arrays: nothing of the longer head may show through.
        BackendResponse third = next(ch, small);
        assertThat(third.fields().source()).isSameAs(second.fields().source());
        assertThat(third.fields().positions()).isSameAs(second.fields().positions());
        assertThat(third.headers().names()).containsExactlyInAnyOrder("Content-Length", "X-s1", "X-s2");
        assertThat(third.headers().get("X-l3")).isNull();
        assertThat(encoded(third)).isEqualTo(small);
        third.headers().add("X-Added", "1");
        assertThat(encoded(third)).isEqualTo(small.replace("\r\n\r\n", "\r\nX-Added: 1\r\n\r\n"));
        third.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void aHeadStillHeldOrEverRetainedKeepsItsArrays() {
        EmbeddedChannel ch = channel(8192, 32 * 1024);
        String a = headWithFields(3, "a");
        BackendResponse held = next(ch, a);
        BackendResponse second = next(ch, headWithFields(3, "b"));
        assertThat(second.fields().source()).isNotSameAs(held.fields().source());
        assertThat(held.headers().get("X-a2")).isEqualTo("value-a2");
        assertThat(encoded(held)).isEqualTo(a);
        held.release();
        second.retain();
        second.release();
        BackendResponse third = next(ch, a);
        assertThat(third.fields().source()).as("retained once: a holder may still read it")
                .isNotSameAs(second.fields().source());
        assertThat(second.headers().get("X-b3")).isEqualTo("value-b3");
        second.release();
        third.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void anOversizedHeadFailsWithoutWaitingForItsEnd() {
        EmbeddedChannel ch = channel(100, 1000);
        ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nX: " + "a".repeat(2000),
                StandardCharsets.ISO_8859_1));
        HttpResponse r = ch.readInbound();
        assertThat(r.decoderResult().isFailure()).isTrue();
        ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\n\r\n", StandardCharsets.ISO_8859_1));
        assertThat((Object) ch.readInbound()).as("input after a failure is ignored").isNull();
        ch.finishAndReleaseAll();
    }

    @Test
    void anOverlongStatusLineFails() {
        EmbeddedChannel ch = channel(100, 1000);
        ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 " + "O".repeat(200), StandardCharsets.ISO_8859_1));
        HttpResponse r = ch.readInbound();
        assertThat(r.decoderResult().isFailure()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void bytesThatArriveWithTheAnswerPutTheConnectionOutOfStepBeforeTheAnswerEnds() {
        ResponseDecoder decoder = new ResponseDecoder(8192, 32 * 1024);
        boolean[] inStepAtTheEnd = new boolean[1];
        EmbeddedChannel ch = new EmbeddedChannel(decoder, new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof LastHttpContent) {
                    inStepAtTheEnd[0] = decoder.inStep(); // where the proxy decides to pool the connection
                }
                ctx.fireChannelRead(msg);
            }
        });
        decoder.expectResponseTo(HttpMethod.HEAD);
        ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
                StandardCharsets.ISO_8859_1));
        ReferenceCountUtil.release(ch.readInbound());
        assertThat((Object) ch.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(inStepAtTheEnd[0]).as("an answer alone").isTrue();

        decoder.expectResponseTo(HttpMethod.HEAD);
        ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
                StandardCharsets.ISO_8859_1));
        BackendResponse answer = ch.readInbound();
        assertThat(answer.decoderResult().isSuccess()).isTrue();
        answer.release();
        assertThat((Object) ch.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(inStepAtTheEnd[0]).as("a body after the answer to HEAD, in the same read").isFalse();
        decoder.expectResponseTo(HttpMethod.GET);
        ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                StandardCharsets.ISO_8859_1));
        assertThat((Object) ch.readInbound()).as("nothing more is decoded on it").isNull();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @ParameterizedTest(name = "[{index}]")
    @ValueSource(strings = {"H", "HTTP/1.1 200 OK\r\n", "hello"})
    void anyByteWhileNoRequestIsOutstandingFailsAtOnce(String late) {
        ResponseDecoder decoder = new ResponseDecoder(8192, 32 * 1024);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        decoder.expectResponseTo(HttpMethod.GET);
        ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                StandardCharsets.ISO_8859_1));
        ReferenceCountUtil.release(ch.readInbound());
        assertThat((Object) ch.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
        // Idle, as in the pool: the first byte of anything is enough, without waiting for a whole head.
        ch.writeInbound(Unpooled.copiedBuffer(late, StandardCharsets.ISO_8859_1));
        HttpResponse failed = ch.readInbound();
        assertThat(failed).as(late).isNotNull();
        assertThat(failed.decoderResult().isFailure()).as(late).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void lineBreaksBetweenResponsesAreTolerated() {
        ResponseDecoder decoder = new ResponseDecoder(8192, 32 * 1024);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        for (int i = 0; i < 2; i++) {
            decoder.expectResponseTo(HttpMethod.GET);
            ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok\r\n",
                    StandardCharsets.ISO_8859_1));
            BackendResponse r = ch.readInbound();
            assertThat(r.decoderResult().isSuccess()).isTrue();
            r.release();
            assertThat((Object) ch.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
            assertThat((Object) ch.readInbound()).isNull();
        }
        ch.finishAndReleaseAll();
    }

    @Test
    void afterA101ToAnUpgradeRequestTheBytesStayForWhoeverTakesOver() {
        ResponseDecoder decoder = new ResponseDecoder(8192, 32 * 1024);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        decoder.expectResponseTo(HttpMethod.GET, true);
        ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\n\r\n\u0081\u0002hi", StandardCharsets.ISO_8859_1));
        BackendResponse switched = ch.readInbound();
        assertThat(switched.status().code()).isEqualTo(101);
        switched.release();
        assertThat((Object) ch.readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
        ch.writeInbound(Unpooled.copiedBuffer("more", StandardCharsets.ISO_8859_1));
        assertThat((Object) ch.readInbound()).as("nothing decoded after the switch").isNull();
        ch.pipeline().remove(decoder);
        ByteBuf rest = ch.readInbound();
        assertThat(rest.toString(StandardCharsets.ISO_8859_1)).as("handed on as received")
                .isEqualTo("\u0081\u0002himore");
        rest.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void withoutUpgradeA101IsInterimAndTheFinalResponseFollows() {
        ResponseDecoder decoder = new ResponseDecoder(8192, 32 * 1024);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        decoder.expectResponseTo(HttpMethod.GET);
        ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", StandardCharsets.ISO_8859_1));
        List<Integer> codes = new ArrayList<>();
        Object m;
        while ((m = ch.readInbound()) != null) {
            if (m instanceof BackendResponse r) {
                assertThat(r.decoderResult().isSuccess()).isTrue();
                codes.add(r.status().code());
            }
            ReferenceCountUtil.release(m);
        }
        assertThat(codes).as("the proxy refuses the unasked 101; the decoder itself carries on").containsExactly(101,
                200);
        ch.finishAndReleaseAll();
    }
}
