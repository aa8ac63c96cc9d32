package io.stickylb.sample;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.flow.FlowControlHandler;

/**
 * The per-connection pipeline: HTTP/1.1 codec, one-message-per-read flow control, 100-continue, the server. The
 * continue handler sits behind flow control so that a pipelined request gets its 100 only when its turn comes, never
 * in the middle of the previous response.
 */
final class HttpInitializer extends ChannelInitializer<SocketChannel> {

    // Generous limits: load-balancer tests send large forwarded headers and long URLs on purpose.
    private static final HttpDecoderConfig DECODER = new HttpDecoderConfig()
            .setMaxInitialLineLength(16 * 1024)
            .setMaxHeaderSize(64 * 1024)
            .setMaxChunkSize(64 * 1024);

    static final String FLOW = "flow";
    static final String CONTINUE = "continue";

    private final BackendContext backend;

    HttpInitializer(BackendContext backend) {
        this.backend = backend;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        backend.channels.add(ch);
        ch.pipeline()
                .addLast("http", new HttpServerCodec(DECODER))
                .addLast(FLOW, new FlowControlHandler())
                .addLast(CONTINUE, new HttpServerExpectContinueHandler())
                .addLast("server", new ConnectionHandler(backend));
    }
}
