package io.stickylb.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

/** The pieces of chunked transfer coding (RFC 9112 §7.1) that stickylb writes when it frames a body itself. */
public final class ChunkFraming {

    private static final ByteBuf LAST_CHUNK = Unpooled.unreleasableBuffer(
            Unpooled.wrappedBuffer(new byte[] {'0', '\r', '\n', '\r', '\n'})).asReadOnly();
    private static final ByteBuf CRLF = Unpooled.unreleasableBuffer(
            Unpooled.wrappedBuffer(new byte[] {'\r', '\n'})).asReadOnly();

    private ChunkFraming() {
    }

    /** The line that opens a chunk of {@code size} bytes. */
    public static ByteBuf sizeLine(ByteBufAllocator alloc, int size) {
        ByteBuf line = alloc.buffer(12);
        ByteBufUtil.writeAscii(line, Integer.toHexString(size));
        return line.writeByte('\r').writeByte('\n');
    }

    /** The line break that closes a chunk's data. */
    public static ByteBuf crlf() {
        return CRLF.duplicate();
    }

    /** The last chunk of a body without trailers. */
    public static ByteBuf lastChunk() {
        return LAST_CHUNK.duplicate();
    }
}
