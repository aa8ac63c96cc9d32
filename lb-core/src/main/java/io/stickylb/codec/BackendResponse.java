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
 * bytes (nothing changed) or as a fresh status line and the kept and added fields. A small Content-Length body that
 * arrived with the head travels inside it ({@link #inlineBody}). Holds the received bytes until released.
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
    /** The head as received, followed by {@link #inlineBody} bytes of body. */
    private ByteBuf bytes;
    private int headLength;
    private int inlineBody;
    private final RawHeaders fields;
    private final HttpVersion received;
    private final int statusStart;
    private final int statusEnd;
    private final Framing framing;
    private final long contentLength;
    private final boolean keepAlive;
    private final boolean hopByHop;
    /** Released by its reader, and never retained by anyone else: its arrays may serve the connection's next head. */
    private boolean released;
    private boolean retained;

    BackendResponse(RawHeaders fields, HttpVersion version, HttpResponseStatus status, int statusStart,
                    int statusEnd, Framing framing, long contentLength, boolean keepAlive, boolean hopByHop) {
        super(version, status, fields);
        this.fields = fields;
        this.received = version;
        this.statusStart = statusStart;
        this.statusEnd = statusEnd;
        this.framing = framing;
        this.contentLength = contentLength;
        this.keepAlive = keepAlive;
        this.hopByHop = hopByHop;
    }

    /** Hands the response its received bytes: the head, then {@code inlineBody} bytes of its body. */
    void received(ByteBuf bytes, int inlineBody) {
        this.bytes = bytes;
        this.inlineBody = inlineBody;
        this.headLength = bytes.readableBytes() - inlineBody;
    }

    /**
     * How many body bytes arrived with the head and go out with it when it is encoded; when above 0 they are the
     * whole body, and only the empty last content follows.
     */
    public int inlineBody() {
        return inlineBody;
    }

    /** The inline body, as a view that shares this response's bytes. */
    ByteBuf inlineBodyView() {
        return bytes.slice(bytes.readerIndex() + headLength, inlineBody);
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

    /**
     * True when {@code Transfer-Encoding} names more than a single chunked: a coding other than chunked
     * ({@code gzip}, say), or chunked twice. stickylb undoes none of them, so the body must reach the client with the
     * field that names them.
     */
    public boolean hasOtherCodings() {
        if (framing != Framing.CHUNKED && framing != Framing.UNTIL_CLOSE) {
            return false;
        }
        int chunked = 0;
        for (String value : fields.getAll("transfer-encoding")) {
            for (String coding : value.split(",")) {
                String c = coding.trim();
                if (!c.isEmpty() && (!c.equalsIgnoreCase("chunked") || ++chunked > 1)) {
                    return true;
                }
            }
        }
        return false;
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
     * The head as it goes to the client, with the inline body after it: the received bytes when neither the version
     * nor a field changed, otherwise the status line with the current version and the received status code and
     * reason, then the fields. {@code extraBytes}: room to leave for a body that follows separately. Call once.
     */
    public ByteBuf encode(ByteBufAllocator alloc, int extraBytes) {
        if (fields.unchanged() && protocolVersion() == received) {
            return bytes.retainedDuplicate();
        }
        if (inlineBody > 0) {
            return encodeWithInlineBody(alloc);
        }
        return writeHead(HeadWriter.start()).toBuffer(alloc, extraBytes);
    }

    /**
     * A rebuilt head no longer than the received one (the usual case: the proxy removes hop-by-hop fields) is
     * written over the end of the received head, so head and body leave as a slice of the buffer they arrived in.
     * The decoder never writes to bytes it has handed on, so they are this response's to change.
     */
    private ByteBuf encodeWithInlineBody(ByteBufAllocator alloc) {
        HeadWriter head = writeHead(HeadWriter.start());
        int n = head.length();
        int bodyAt = bytes.readerIndex() + headLength;
        if (n <= headLength) {
            head.setTo(bytes, bodyAt - n);
            return bytes.retainedSlice(bodyAt - n, n + inlineBody);
        }
        ByteBuf out = head.toBuffer(alloc, inlineBody);
        out.writeBytes(bytes, bodyAt, inlineBody);
        return out;
    }

    private HeadWriter writeHead(HeadWriter out) {
        if (protocolVersion() == HttpVersion.HTTP_1_1) {
            out.bytes(HTTP_11);
        } else {
            out.ascii(protocolVersion().text()).put(' ');
        }
        out.bytes(bytes, bytes.readerIndex() + statusStart, statusEnd - statusStart);
        fields.writeFields(out.crlf());
        return out;
    }

    @Override
    public int refCnt() {
        return bytes.refCnt();
    }

    /**
     * True once the response was released and never retained: no one reads its fields any more, so the decoder may
     * parse the connection's next head into the same arrays. A retained response keeps its arrays for good.
     */
    boolean finished() {
        return released && !retained;
    }

    @Override
    public BackendResponse retain() {
        retained = true;
        bytes.retain();
        return this;
    }

    @Override
    public BackendResponse retain(int increment) {
        retained = true;
        bytes.retain(increment);
        return this;
    }

    @Override
    public BackendResponse touch() {
        bytes.touch();
        return this;
    }

    @Override
    public BackendResponse touch(Object hint) {
        bytes.touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        released = true;
        return bytes.release();
    }

    @Override
    public boolean release(int decrement) {
        released = true;
        return bytes.release(decrement);
    }
}
