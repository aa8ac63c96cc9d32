package io.stickylb.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Builds the pipeline of every backend connection, in named steps. The idle handler closes pooled connections that
 * sat unused too long and ends responses whose body stalled.
 */
public final class BackendChannelInitializer extends ChannelInitializer<Channel> {

    public static final String IDLE = "idle";
    public static final String CODEC = "http-codec";
    public static final String BACKEND = "backend";

    private static final int MAX_RESPONSE_LINE = 8192;
    private static final int MAX_RESPONSE_HEADERS = 32 * 1024;

    private final long idleMillis;

    public BackendChannelInitializer(Duration idle) {
        this.idleMillis = idle.toMillis();
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast(IDLE, new IdleStateHandler(idleMillis, 0, 0, TimeUnit.MILLISECONDS));
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_RESPONSE_LINE)
                .setMaxHeaderSize(MAX_RESPONSE_HEADERS)
                .setMaxChunkSize(16 * 1024)
                .setValidateHeaders(true);
        p.addLast(CODEC, new HttpClientCodec(decoder, HttpClientCodec.DEFAULT_PARSE_HTTP_AFTER_CONNECT_REQUEST,
                HttpClientCodec.DEFAULT_FAIL_ON_MISSING_RESPONSE));
        p.addLast(BACKEND, new BackendHandler());
    }
}
