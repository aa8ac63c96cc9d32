package io.stickylb.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The short answers stickylb gives itself (400, 404, 502, 503, 504, ...). Bodies name the status only: never a
 * backend address, a stack trace or a version. Bodies are built once and shared read-only.
 */
public final class ErrorResponses {

    private static final ConcurrentHashMap<Integer, ByteBuf> BODIES = new ConcurrentHashMap<>();

    private ErrorResponses() {
    }

    /** A complete response for this status; {@code close} adds {@code Connection: close}. */
    public static FullHttpResponse of(HttpResponseStatus status, boolean close) {
        return of(status, close, false);
    }

    /** As {@link #of(HttpResponseStatus, boolean)}; the answer to a HEAD request has the same head and no body. */
    public static FullHttpResponse of(HttpResponseStatus status, boolean close, boolean headRequest) {
        ByteBuf body = body(status);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                headRequest ? Unpooled.EMPTY_BUFFER : body.duplicate());
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (close) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return r;
    }

    /** The body bytes {@link #of(HttpResponseStatus, boolean, boolean)} sends, for the access log's {@code bytes}. */
    static int bodyBytes(HttpResponseStatus status, boolean headRequest) {
        return headRequest ? 0 : body(status).readableBytes();
    }

    private static ByteBuf body(HttpResponseStatus status) {
        return BODIES.computeIfAbsent(status.code(), c -> Unpooled.unreleasableBuffer(
                Unpooled.unmodifiableBuffer(Unpooled.copiedBuffer(status.code() + " " + status.reasonPhrase() + "\n",
                        StandardCharsets.US_ASCII))));
    }
}
