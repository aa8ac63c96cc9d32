package io.stickylb.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The backend-side request encoder: heads as one buffer, bodies as given or framed as chunks. */
class RequestEncoderTest {

    private static String written(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return sb.toString();
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    @Test
    void aBodilessRequestIsOneHeadAndNothingElse() {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestEncoder());
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/a?b=c");
        r.headers().add("Host", "h").add("X-Forwarded-For", "127.0.0.1").add("Accept", "*/*");
        ch.writeOutbound(r);
        ch.writeOutbound(LastHttpContent.EMPTY_LAST_CONTENT);
        ByteBuf head = ch.readOutbound();
        assertThat(head.toString(StandardCharsets.ISO_8859_1)).isEqualTo(
                "GET /a?b=c HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 127.0.0.1\r\nAccept: */*\r\n\r\n");
        head.release();
        assertThat((Object) ch.readOutbound()).as("no write for the empty end").isNull();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void aContentLengthBodyIsWrittenAsItComes() {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestEncoder());
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/");
        r.headers().add("Content-Length", "11");
        ch.writeOutbound(r, new DefaultHttpContent(ascii("hello")), new DefaultLastHttpContent(ascii(" world")));
        assertThat(written(ch)).isEqualTo("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world");
        ch.finishAndReleaseAll();
    }

    @Test
    void aChunkedBodyIsReframedWithItsTrailers() {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestEncoder());
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.PUT, "/up");
        r.headers().add("Transfer-Encoding", "chunked");
        LastHttpContent last = new DefaultLastHttpContent(ascii("!"));
        last.trailingHeaders().add("X-Sum", "7");
        ch.writeOutbound(r, new DefaultHttpContent(ascii("hello world")), new DefaultHttpContent(Unpooled.EMPTY_BUFFER),
                last);
        assertThat(written(ch)).isEqualTo("PUT /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "b\r\nhello world\r\n1\r\n!\r\n0\r\nX-Sum: 7\r\n\r\n");
        // The next request on the connection starts from a clean state.
        ch.writeOutbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"),
                LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(written(ch)).isEqualTo("GET / HTTP/1.1\r\n\r\n");
        ch.finishAndReleaseAll();
    }

    @Test
    void aChunkedBodyEndsWithTheLastChunk() {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestEncoder());
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/");
        r.headers().add("Transfer-Encoding", "chunked");
        ch.writeOutbound(r, new DefaultHttpContent(ascii("abc")), LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(written(ch)).endsWith("\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
        ch.finishAndReleaseAll();
    }
}
