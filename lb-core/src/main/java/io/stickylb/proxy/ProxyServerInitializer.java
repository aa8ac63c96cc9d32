package io.stickylb.proxy;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.stickylb.codec.RequestDecoder;
import io.stickylb.config.LimitsConfig;
import io.stickylb.config.TlsConfig;

/** Builds the client-side pipeline of every accepted connection, in named steps. */
public final class ProxyServerInitializer extends ChannelInitializer<SocketChannel> {

    public static final String DECODER = "http-decoder";
    public static final String ENCODER = "http-encoder";
    public static final String FRONTEND = "frontend";
    public static final String TLS = "tls";

    private final ProxyRuntime runtime;

    public ProxyServerInitializer(ProxyRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        LimitsConfig limits = runtime.config().limits();
        ChannelPipeline p = ch.pipeline();
        RequestHeadTimer headTimer = new RequestHeadTimer(ch, runtime, limits.headerTimeout().toMillis());
        RequestDecoder decoder = new RequestDecoder(limits.maxRequestLine(), limits.maxHeaderSize(), headTimer);
        headTimer.watch(decoder);
        p.addLast(DECODER, decoder);
        // Encodes only stickylb's own answers; relayed responses are written past it (FrontendHandler.wire()).
        p.addLast(ENCODER, new HttpResponseEncoder());
        TlsConfig tls = runtime.config().tls();
        p.addLast(FRONTEND, new FrontendHandler(runtime, tls != null));
        if (tls != null) {
            p.addFirst(TLS, tls.context().newHandler(ch.alloc()));
        }
        // Ahead of TLS: a balancer sends the PROXY header in the clear, before the client's handshake.
        if (runtime.config().proxyProtocol()) {
            ProxyProtocolHandler.install(ch);
        }
    }
}
