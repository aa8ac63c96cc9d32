package io.stickylb.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import io.stickylb.backend.Backend;
import io.stickylb.codec.RequestEncoder;
import io.stickylb.codec.ResponseDecoder;
import io.stickylb.pool.UpstreamConnections;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Builds the pipeline of every backend connection, in named steps. The idle handler closes pooled connections that
 * sat unused too long and ends responses whose body stalled.
 */
public final class BackendChannelInitializer extends ChannelInitializer<Channel> {

    public static final String IDLE = "idle";
    public static final String ENCODER = "http-encoder";
    public static final String DECODER = "http-decoder";
    public static final String BACKEND = "backend";

    private final long idleMillis;
    private final InetSocketAddress address;
    private final Backend backend;
    private final UpstreamConnections owner;

    /**
     * For a connection to {@code backend} at {@code address}, which its handler remembers (see
     * {@link BackendHandler#openedTo()}), pooled in {@code owner} between requests.
     */
    public BackendChannelInitializer(Duration idle, InetSocketAddress address, Backend backend,
                                     UpstreamConnections owner) {
        this.idleMillis = idle.toMillis();
        this.address = address;
        this.backend = backend;
        this.owner = owner;
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast(IDLE, new IdleStateHandler(idleMillis, 0, 0, TimeUnit.MILLISECONDS));
        p.addLast(ENCODER, new RequestEncoder());
        p.addLast(DECODER, new ResponseDecoder(ResponseDecoder.MAX_STATUS_LINE, ResponseDecoder.MAX_HEAD));
        p.addLast(BACKEND, new BackendHandler(address, backend, owner));
    }
}
