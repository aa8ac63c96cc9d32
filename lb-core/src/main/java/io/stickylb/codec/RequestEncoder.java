package io.stickylb.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Writes proxied requests to a backend: each head as one buffer (a {@link ClientRequest} mostly as the bytes it came
 * in, any other request straight from its fields), each body part
 * as it comes, framed as chunks when the request is chunked. Takes the place of Netty's {@code HttpRequestEncoder}
 * on the backend side, where a part with no bytes (the end of a body-less request) needs no write at all.
 */
public final class RequestEncoder extends ChannelOutboundHandlerAdapter {

    private boolean chunked;

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

    private static ByteBuf encodeHead(ChannelHandlerContext ctx, HttpRequest request) {
        HeadWriter out = HeadWriter.start()
                .ascii(request.method().asciiName()).put(' ')
                .ascii(request.uri()).put(' ')
                .ascii(request.protocolVersion().text()).crlf();
        return out.fields(request.headers()).crlf().toBuffer(ctx.alloc(), 0);
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
        HeadWriter end = HeadWriter.start();
        if (n > 0) {
            end.crlf();
        }
        end.put('0').crlf().fields(trailers).crlf();
        ctx.write(end.toBuffer(ctx.alloc(), 0), promise);
    }

    private static void succeed(ChannelPromise promise) {
        if (!promise.isVoid()) {
            promise.setSuccess();
        }
    }
}
