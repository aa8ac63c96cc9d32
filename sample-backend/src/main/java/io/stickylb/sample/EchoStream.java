package io.stickylb.sample;

import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * {@code POST /echo}: sends the request body back as it arrives, never holding more than one read of it. The next
 * read is asked for only while the channel is writable, so a slow reader slows the uploader down (TCP backpressure).
 */
final class EchoStream {

    private final Exchange exchange;
    private boolean paused;

    private EchoStream(Exchange exchange) {
        this.exchange = exchange;
    }

    static void handle(Exchange exchange) {
        new EchoStream(exchange).start();
    }

    private void start() {
        HttpRequest request = exchange.request();
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE,
                type != null ? type : HttpHeaderValues.APPLICATION_OCTET_STREAM);
        if (HttpUtil.isContentLengthSet(request)) {
            HttpUtil.setContentLength(head, HttpUtil.getContentLength(request, 0L));
        } else if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            // An HTTP/1.0 client cannot read chunked: the body ends when the connection does.
            exchange.disableKeepAlive();
        } else {
            HttpUtil.setTransferEncodingChunked(head, true);
        }
        exchange.writeHead(head);
        exchange.flush();
        exchange.onWritable(this::resume);
        exchange.streamBody(this::onContent);
    }

    private void onContent(HttpContent content) {
        if (content instanceof LastHttpContent) {
            // Trailers are dropped: a Content-Length response could not carry them.
            ChannelFuture last = exchange.write(new DefaultLastHttpContent(content.content()));
            exchange.flush();
            exchange.onWritable(null);
            exchange.finish(last);
            return;
        }
        exchange.write(new DefaultHttpContent(content.content()));
        exchange.flush();
        if (exchange.isWritable()) {
            exchange.readBody();
        } else {
            paused = true;
        }
    }

    private void resume() {
        if (paused) {
            paused = false;
            exchange.readBody();
        }
    }
}
