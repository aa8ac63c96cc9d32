package io.stickylb.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;

/**
 * A request head from a client, with its fields still in the received bytes ({@link RawHeaders}). It knows how its
 * body is framed and whether the client keeps the connection, and writes itself out to a backend as the received
 * request line (or a rebuilt one, when the method, target or version changed) and the kept and added fields.
 * Holds only a copy of the head, so it needs no release.
 */
public final class ClientRequest extends DefaultHttpRequest {

    private final byte[] head;
    private final RawHeaders fields;
    private final int lineEnd;
    private final HttpMethod receivedMethod;
    private final String receivedUri;
    private final HttpVersion receivedVersion;
    private final long contentLength;
    private final boolean chunked;
    private final boolean keepAlive;
    private final boolean hopByHop;
    private final boolean forwarded;

    ClientRequest(byte[] head, int lineEnd, RawHeaders fields, HttpVersion version, HttpMethod method, String uri,
                  long contentLength, boolean chunked, boolean keepAlive, boolean hopByHop, boolean forwarded) {
        super(version, method, uri, fields);
        this.head = head;
        this.lineEnd = lineEnd;
        this.fields = fields;
        this.receivedMethod = method;
        this.receivedUri = uri;
        this.receivedVersion = version;
        this.contentLength = contentLength;
        this.chunked = chunked;
        this.keepAlive = keepAlive;
        this.hopByHop = hopByHop;
        this.forwarded = forwarded;
    }

    /** The fields, with their in-place operations. */
    public RawHeaders fields() {
        return fields;
    }

    /** The declared body length; -1 without Content-Length (no body, or a chunked one). */
    public long contentLength() {
        return contentLength;
    }

    /** True when the body is sent in chunked transfer coding. */
    public boolean chunked() {
        return chunked;
    }

    /** True when a body follows the head. */
    public boolean hasBody() {
        return chunked || contentLength > 0;
    }

    /** True when the client lets the connection carry another request (RFC 9112 §9.3), as received. */
    public boolean keepAlive() {
        return keepAlive;
    }

    /** True when the head carries a hop-by-hop field (Connection, Keep-Alive, TE, Trailer, Upgrade, ...). */
    public boolean hasHopByHop() {
        return hopByHop;
    }

    /** True when the head carries a {@code Forwarded} field (RFC 7239). */
    public boolean hasForwarded() {
        return forwarded;
    }

    /** Writes the head to {@code out}: the request line as received unless it changed, then the fields. */
    public void encode(ByteBuf out) {
        head(HeadWriter.start()).writeTo(out);
    }

    /** The head, as {@link #encode(ByteBuf)} writes it, in a new buffer of its size. */
    public ByteBuf encode(ByteBufAllocator alloc) {
        return head(HeadWriter.start()).toBuffer(alloc, 0);
    }

    private HeadWriter head(HeadWriter w) {
        if (method() == receivedMethod && uri() == receivedUri && protocolVersion() == receivedVersion) {
            w.bytes(head, 0, lineEnd);
        } else {
            w.ascii(method().asciiName()).put(' ').ascii(uri()).put(' ').ascii(protocolVersion().text());
        }
        fields.writeFields(w.crlf());
        return w;
    }
}
