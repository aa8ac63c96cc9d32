package io.stickylb.proxy;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.stickylb.config.LimitsConfig;

/** Builds the client-side pipeline of every accepted connection, in named steps. */
public final class ProxyServerInitializer extends ChannelInitializer<SocketChannel> {

    public static final String HEAD_GUARD = "head-guard";
    public static final String DECODER = "http-decoder";
    public static final String ENCODER = "http-encoder";
    public static final String FRONTEND = "frontend";

    private final ProxyRuntime runtime;

    public ProxyServerInitializer(ProxyRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        LimitsConfig limits = runtime.config().limits();
        ChannelPipeline p = ch.pipeline();
        p.addLast(HEAD_GUARD, new RequestHeadGuard(limits.headerTimeout().toMillis(),
                limits.maxRequestLine() + limits.maxHeaderSize() + 1024));
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxRequestLine())
                .setMaxHeaderSize(limits.maxHeaderSize())
                .setMaxChunkSize(16 * 1024)
                .setValidateHeaders(true)
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(false);
        p.addLast(DECODER, new HttpRequestDecoder(decoder));
        // Encodes only stickylb's own answers; relayed responses are written past it (FrontendHandler.wire()).
        p.addLast(ENCODER, new HttpResponseEncoder());
        p.addLast(FRONTEND, new FrontendHandler(runtime));
    }
}
