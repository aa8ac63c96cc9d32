package io.stickylb.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes proxied requests to a backend: each head as one buffer (a {@link ClientRequest} mostly as the bytes it came
 * in, any other request straight from its fields), each body part
 * as it comes, framed as chunks when the request is chunked. Takes the place of Netty's {@code HttpRequestEncoder}
 * on the backend side, where a part with no bytes (the end of a body-less request) needs no write at all.
 */
public final class RequestEncoder extends ChannelOutboundHandlerAdapter {

    private static final byte[] CRLF = {'\r', '\n'};

    private boolean chunked;
    private int headSize = 256;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpRequest request) {
            ByteBuf head;
            if (request instanceof ClientRequest raw) {
                head = raw.encode(ctx.alloc());
                chunked = raw.chunked();
            } else {
                head = encodeHead(ctx, request);
                chunked = HttpUtil.isTransferEncodingChunked(request);
            }
            if (msg instanceof HttpContent content) {
                ctx.write(head, ctx.voidPromise());
                writeContent(ctx, content, promise);
            } else {
                ctx.write(head, promise);
            }
        } else if (msg instanceof HttpContent content) {
            writeContent(ctx, content, promise);
        } else {
            ctx.write(msg, promise);
        }
    }

    private ByteBuf encodeHead(ChannelHandlerContext ctx, HttpRequest request) {
        ByteBuf out = ctx.alloc().buffer(headSize);
        ByteBufUtil.copy(request.method().asciiName(), out);
        out.writeByte(' ');
        ByteBufUtil.writeAscii(out, request.uri());
        out.writeByte(' ');
        ByteBufUtil.writeAscii(out, request.protocolVersion().text());
        out.writeBytes(CRLF);
        writeFields(out, request.headers());
        out.writeBytes(CRLF);
        // Size the next head's buffer from this one, so a typical head needs no reallocation.
        headSize = Math.max(256, out.readableBytes() + 64);
        return out;
    }

    private static void writeFields(ByteBuf out, HttpHeaders headers) {
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext();) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            ByteBufUtil.writeAscii(out, e.getKey());
            out.writeByte(':').writeByte(' ');
            ByteBufUtil.writeAscii(out, e.getValue());
            out.writeBytes(CRLF);
        }
    }

    private void writeContent(ChannelHandlerContext ctx, HttpContent content, ChannelPromise promise) {
        ByteBuf data = content.content();
        int n = data.readableBytes();
        boolean last = content instanceof LastHttpContent;
        if (!chunked) {
            if (n > 0) {
                ctx.write(data, promise);
            } else {
                content.release();
                succeed(promise);
            }
            return;
        }
        if (n > 0) {
            ctx.write(ChunkFraming.sizeLine(ctx.alloc(), n), ctx.voidPromise());
            ctx.write(data, ctx.voidPromise());
        } else {
            content.release();
        }
        if (!last) {
            if (n > 0) {
                ctx.write(ChunkFraming.crlf(), promise);
            } else {
                succeed(promise);
            }
            return;
        }
        HttpHeaders trailers = ((LastHttpContent) content).trailingHeaders();
        if (n == 0 && trailers.isEmpty()) {
            ctx.write(ChunkFraming.lastChunk(), promise);
            return;
        }
        ByteBuf end = ctx.alloc().buffer(64);
        if (n > 0) {
            end.writeBytes(CRLF);
        }
        end.writeByte('0').writeBytes(CRLF);
        writeFields(end, trailers);
        end.writeBytes(CRLF);
        ctx.write(end, promise);
    }

    private static void succeed(ChannelPromise promise) {
        if (!promise.isVoid()) {
            promise.setSuccess();
        }
    }
}
