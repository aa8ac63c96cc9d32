package io.stickylb.pool;

import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.DefaultChannelPromise;
import io.netty.channel.EventLoop;
import java.net.BindException;

/**
 * Connects that fail on this side, out of file descriptors (EMFILE/ENFILE) or local ports (EADDRNOTAVAIL), before any
 * packet reached the backend: they say nothing about its health, as HAProxy keeps resource errors apart.
 */
public final class LocalConnectFailure {

    private LocalConnectFailure() {
    }

    /** Whether {@code cause}, the failure of a connect, happened on this side. */
    public static boolean is(Throwable cause) {
        if (cause instanceof ChannelException || cause instanceof BindException) {
            // Netty's bootstrap throws ChannelException when the socket cannot be created or set up.
            return true;
        }
        String message = cause == null ? null : cause.getMessage();
        return message != null && message.contains("Cannot assign requested address");
    }

    /**
     * {@code connect} as its listeners must see it: on {@code loop}. A channel that could not even be created is
     * never registered, and Netty fails its future on its global executor, whose thread would run the listeners off
     * the loop that owns the caller's state.
     */
    public static ChannelFuture onLoop(ChannelFuture connect, EventLoop loop) {
        if (connect.isDone() && !connect.isSuccess() && !connect.channel().isRegistered()) {
            return new DefaultChannelPromise(connect.channel(), loop).setFailure(connect.cause());
        }
        return connect;
    }
}
