package io.stickylb.sample;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;

/**
 * {@code GET /bytes?n=N}: N bytes with {@code Content-Length: N}, produced chunk by chunk only while the channel is
 * writable, so memory stays flat however large N is.
 */
final class ByteStream {

    static final int CHUNK = 64 * 1024;
    private static final long MAX_BYTES = 1L << 40;
    private static final byte[] PATTERN = pattern();

    private final Exchange exchange;
    private long remaining;

    private ByteStream(Exchange exchange, long total) {
        this.exchange = exchange;
        this.remaining = total;
    }

    static void handle(Exchange exchange) {
        OptionalLong n = Params.longOrReject(exchange, "n", 0, MAX_BYTES);
        if (n.isPresent()) {
            new ByteStream(exchange, n.getAsLong()).start();
        }
    }

    private void start() {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        HttpUtil.setContentLength(head, remaining);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
        exchange.writeHead(head);
        if (exchange.isHead() || remaining == 0) {
            remaining = 0;
            ChannelFuture last = exchange.write(LastHttpContent.EMPTY_LAST_CONTENT);
            exchange.flush();
            exchange.finish(last);
            return;
        }
        exchange.onWritable(this::pump);
        pump();
    }

    private void pump() {
        ChannelFuture last = null;
        while (remaining > 0 && exchange.isWritable() && !exchange.isAborted()) {
            int len = (int) Math.min(CHUNK, remaining);
            ByteBuf chunk = exchange.allocator().ioBuffer(len);
            // The pattern is exactly one chunk long, so one copy fills any chunk.
            chunk.writeBytes(PATTERN, 0, len);
            remaining -= len;
            if (remaining == 0) {
                last = exchange.write(new DefaultLastHttpContent(chunk));
            } else {
                exchange.write(new DefaultHttpContent(chunk));
            }
        }
        exchange.flush();
        if (last != null) {
            exchange.onWritable(null);
            exchange.finish(last);
        }
    }

    private static byte[] pattern() {
        byte[] line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\n"
                .getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[CHUNK];
        for (int i = 0; i < out.length; i++) {
            out[i] = line[i % line.length];
        }
        return out;
    }
}
