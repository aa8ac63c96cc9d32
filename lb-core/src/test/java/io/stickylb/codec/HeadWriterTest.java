package io.stickylb.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The array a rebuilt head is assembled in: every kind of piece lands in order, strings go out one char per byte as
 * {@code ByteBufUtil.writeAscii} wrote them, and a head larger than the array grows it without losing what came
 * before. The heads it writes for the proxy are checked end to end in RequestDecoderTest and ResponseDecoderTest.
 */
class HeadWriterTest {

    private static String text(ByteBuf b) {
        try {
            return b.toString(StandardCharsets.ISO_8859_1);
        } finally {
            b.release();
        }
    }

    @Test
    void piecesLandInOrder() {
        ByteBuf received = Unpooled.copiedBuffer("xx200 OKyy", StandardCharsets.ISO_8859_1);
        HeadWriter w = HeadWriter.start()
                .bytes("HTTP/1.1 ".getBytes(StandardCharsets.ISO_8859_1))
                .bytes(received, 2, 6)
                .crlf()
                .field("Server", new StringBuilder("lb"))
                .field(AsciiString.of("x-forwarded-for"), "127.0.0.1")
                .bytes("abcHost: hdef".getBytes(StandardCharsets.ISO_8859_1), 3, 7).put('\r').put('\n')
                .crlf();
        received.release();
        String expected = "HTTP/1.1 200 OK\r\nServer: lb\r\nx-forwarded-for: 127.0.0.1\r\nHost: h\r\n\r\n";
        assertThat(w.length()).isEqualTo(expected.length());
        assertThat(text(w.toBuffer(ByteBufAllocator.DEFAULT, 0))).isEqualTo(expected);
    }

    @Test
    void charsAreWrittenAsByteBufUtilWritesThem() {
        String value = "caf\u00e9 \u20ac \u0100 \u00ff";
        ByteBuf expected = Unpooled.buffer();
        ByteBufUtil.writeAscii(expected, value);
        HeadWriter w = HeadWriter.start().ascii(value).ascii(new StringBuilder(value));
        ByteBuf out = Unpooled.buffer();
        w.writeTo(out);
        assertThat(text(out)).isEqualTo(text(expected.copy()).repeat(2)).contains("caf\u00e9 ? ? \u00ff");
        expected.release();
    }

    @Test
    void aHeadLargerThanTheArrayGrowsItAndTheNextStartsSmallAgain() {
        String big = "v".repeat(40_000);
        HeadWriter w = HeadWriter.start().field("X-Big", big).crlf();
        assertThat(w.length()).isEqualTo("X-Big: ".length() + big.length() + 4);
        assertThat(w.capacity()).isGreaterThanOrEqualTo(w.length());
        ByteBuf out = w.toBuffer(ByteBufAllocator.DEFAULT, 16);
        assertThat(out.writableBytes()).isGreaterThanOrEqualTo(16);
        assertThat(text(out)).isEqualTo("X-Big: " + big + "\r\n\r\n");

        HeadWriter next = HeadWriter.start();
        assertThat(next.length()).isZero();
        assertThat(next.capacity()).isEqualTo(HeadWriter.INITIAL);
        assertThat(text(next.ascii("GET").toBuffer(ByteBufAllocator.DEFAULT, 0))).isEqualTo("GET");
    }

    @Test
    void setToWritesAtAnIndexAndLeavesTheIndexesAlone() {
        ByteBuf target = Unpooled.copiedBuffer("..........", StandardCharsets.ISO_8859_1);
        HeadWriter.start().ascii("abc").setTo(target, 4);
        assertThat(target.readerIndex()).isZero();
        assertThat(target.writerIndex()).isEqualTo(10);
        assertThat(text(target)).isEqualTo("....abc...");
    }
}
