package io.stickylb.pool;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.RejectedExecutionException;

/**
 * Hands each accepted connection on to Netty's acceptor, which registers it with an event loop, from a task of the
 * listener's loop rather than inside its I/O batch: the descriptor must not join the loop while events of that batch
 * are pending (see {@link UpstreamConnections#connect} for why). One task per accepted connection, none per request.
 */
@ChannelHandler.Sharable
final class RegisterAfterBatch extends ChannelInboundHandlerAdapter {

    static final RegisterAfterBatch INSTANCE = new RegisterAfterBatch();

    private RegisterAfterBatch() {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            ctx.executor().execute(() -> {
                if (ctx.channel().isOpen()) {
                    ctx.fireChannelRead(msg);
                } else {
                    // The listener closed meanwhile (a stop): as if the connection had not been accepted yet.
                    ((Channel) msg).unsafe().closeForcibly();
                }
            });
        } catch (RejectedExecutionException stopping) {
            // The listener's loop is stopping: the connection would never be served.
            ((Channel) msg).unsafe().closeForcibly();
        }
    }
}
