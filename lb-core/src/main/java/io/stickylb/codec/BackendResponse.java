package io.stickylb.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCounted;

/**
 * A response head from a backend, with its fields still in the received bytes ({@link RawHeaders}). It knows how its
 * body is framed and whether the backend keeps the connection, and writes itself back out either as the received
 * bytes (nothing changed) or as a fresh status line and the kept and added fields. Holds the head's bytes until
 * released.
 */
public final class BackendResponse extends DefaultHttpResponse implements ReferenceCounted {

    /** How the body that follows this head ends. */
    public enum Framing {
        /** No body: 1xx, 204, 304, or the answer to HEAD. */
        NONE,
        /** {@code Content-Length} bytes. */
        LENGTH,
        /** Chunked transfer coding. */
        CHUNKED,
        /** Until the backend closes the connection. */
        UNTIL_CLOSE
    }

    private static final byte[] HTTP_11 = {'H', 'T', 'T', 'P', '/', '1', '.', '1', ' '};

    private final ByteBuf head;
    private final RawHeaders fields;
    private final HttpVersion received;
    private final int statusStart;
    private final int statusEnd;
    private final Framing framing;
    private final long contentLength;
    private final boolean keepAlive;
    private final boolean hopByHop;

    BackendResponse(ByteBuf head, RawHeaders fields, HttpVersion version, HttpResponseStatus status, int statusStart,
                    int statusEnd, Framing framing, long contentLength, boolean keepAlive, boolean hopByHop) {
        super(version, status, fields);
        this.head = head;
        this.fields = fields;
        this.received = version;
        this.statusStart = statusStart;
        this.statusEnd = statusEnd;
        this.framing = framing;
        this.contentLength = contentLength;
        this.keepAlive = keepAlive;
        this.hopByHop = hopByHop;
    }

    public Framing framing() {
        return framing;
    }

    /** The declared length for {@link Framing#LENGTH}, else -1. */
    public long contentLength() {
        return contentLength;
    }

    /** True when the backend lets the connection carry another request after this response. */
    public boolean keepAlive() {
        return keepAlive;
    }

    /** The fields, with their in-place operations. */
    public RawHeaders fields() {
        return fields;
    }

    /** True when the head carries a hop-by-hop field (Connection, Keep-Alive, TE, Trailer, Upgrade, ...). */
    public boolean hasHopByHop() {
        return hopByHop;
    }

    /**
     * The head as it goes to the client: the received bytes when neither the version nor a field changed, otherwise
     * the status line with the current version and the received status code and reason, then the fields.
     */
    public ByteBuf encode(ByteBufAllocator alloc, int extraBytes) {
        if (fields.unchanged() && protocolVersion() == received) {
            return head.retainedDuplicate();
        }
        ByteBuf out = alloc.buffer(head.readableBytes() + extraBytes + 64);
        if (protocolVersion() == HttpVersion.HTTP_1_1) {
            out.writeBytes(HTTP_11);
        } else {
            out.writeCharSequence(protocolVersion().text(), java.nio.charset.StandardCharsets.US_ASCII);
            out.writeByte(' ');
        }
        out.writeBytes(head, statusStart, statusEnd - statusStart);
        out.writeByte('\r').writeByte('\n');
        fields.writeFields(out);
        return out;
    }

    @Override
    public int refCnt() {
        return head.refCnt();
    }

    @Override
    public BackendResponse retain() {
        head.retain();
        return this;
    }

    @Override
    public BackendResponse retain(int increment) {
        head.retain(increment);
        return this;
    }

    @Override
    public BackendResponse touch() {
        head.touch();
        return this;
    }

    @Override
    public BackendResponse touch(Object hint) {
        head.touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        return head.release();
    }

    @Override
    public boolean release(int decrement) {
        return head.release(decrement);
    }
}
