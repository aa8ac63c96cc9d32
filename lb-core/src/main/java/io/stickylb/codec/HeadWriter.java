package io.stickylb.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.Iterator;
import java.util.Map;

/**
 * Assembles a message head in a per-thread byte array, then copies it into a buffer in one piece. A rebuilt head is
 * a few dozen small pieces (received spans, names, ": ", values, CRLFs); written one by one into a {@link ByteBuf},
 * each paid index, capacity and reference-count checks, and strings went through {@code ByteBufUtil.writeAscii}
 * char by char, whose speed depended on how the JIT had profiled it (in one live proxy those writes took an eighth of
 * the user time a request cost). Not reentrant: one head at a time per thread, copied out before the next.
 */
final class HeadWriter {

    static final int INITIAL = 1024;
    /** A writer that grew past this for an unusually large head starts the next one small again. */
    private static final int KEEP = 16 * 1024;

    private static final FastThreadLocal<HeadWriter> WRITERS = new FastThreadLocal<>() {
        @Override
        protected HeadWriter initialValue() {
            return new HeadWriter();
        }
    };

    private byte[] buf = new byte[INITIAL];
    private int length;

    private HeadWriter() {
    }

    /** This thread's writer, empty. */
    static HeadWriter start() {
        HeadWriter w = WRITERS.get();
        if (w.buf.length > KEEP) {
            w.buf = new byte[INITIAL];
        }
        w.length = 0;
        return w;
    }

    /** The bytes written so far. */
    int length() {
        return length;
    }

    /** How many bytes the writer holds room for, written or not (for tests of its growing and shrinking). */
    int capacity() {
        return buf.length;
    }

    HeadWriter bytes(byte[] src, int from, int len) {
        ensure(len);
        System.arraycopy(src, from, buf, length, len);
        length += len;
        return this;
    }

    HeadWriter bytes(byte[] src) {
        return bytes(src, 0, src.length);
    }

    HeadWriter bytes(ByteBuf src, int index, int len) {
        ensure(len);
        src.getBytes(index, buf, length, len);
        length += len;
        return this;
    }

    HeadWriter put(char c) {
        ensure(1);
        buf[length++] = (byte) c;
        return this;
    }

    HeadWriter crlf() {
        ensure(2);
        buf[length] = '\r';
        buf[length + 1] = '\n';
        length += 2;
        return this;
    }

    /** One char per byte, as {@code ByteBufUtil.writeAscii} writes them: a char above U+00FF becomes '?'. */
    HeadWriter ascii(CharSequence s) {
        if (s instanceof AsciiString a) {
            return bytes(a.array(), a.arrayOffset(), a.length());
        }
        int n = s.length();
        ensure(n);
        byte[] b = buf;
        int at = length;
        if (s instanceof String str) {
            // Strings get a loop of their own: String is final, so this charAt inlines whatever other callers pass.
            for (int i = 0; i < n; i++) {
                b[at + i] = latin1(str.charAt(i));
            }
        } else {
            for (int i = 0; i < n; i++) {
                b[at + i] = latin1(s.charAt(i));
            }
        }
        length = at + n;
        return this;
    }

    /** {@code name: value} and the CRLF that ends the line. */
    HeadWriter field(CharSequence name, CharSequence value) {
        ascii(name);
        ensure(2);
        buf[length] = ':';
        buf[length + 1] = ' ';
        length += 2;
        return ascii(value).crlf();
    }

    /** Every field of {@code headers}, one {@link #field} line each, in their order. */
    HeadWriter fields(HttpHeaders headers) {
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext();) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            field(e.getKey(), e.getValue());
        }
        return this;
    }

    /** Appends what was written to {@code out}. */
    void writeTo(ByteBuf out) {
        out.writeBytes(buf, 0, length);
    }

    /** Writes what was written into {@code out} at {@code index}, leaving its indexes alone. */
    void setTo(ByteBuf out, int index) {
        out.setBytes(index, buf, 0, length);
    }

    /** A new buffer holding what was written, with room for {@code extra} more bytes after it. */
    ByteBuf toBuffer(ByteBufAllocator alloc, int extra) {
        ByteBuf out = alloc.buffer(length + extra);
        out.writeBytes(buf, 0, length);
        return out;
    }

    private static byte latin1(char c) {
        return (byte) (c > 0xFF ? '?' : c);
    }

    private void ensure(int more) {
        int need = length + more;
        if (need > buf.length) {
            byte[] grown = new byte[Math.max(need, buf.length * 2)];
            System.arraycopy(buf, 0, grown, 0, length);
            buf = grown;
        }
    }
}
