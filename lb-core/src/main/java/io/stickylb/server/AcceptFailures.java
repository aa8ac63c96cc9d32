package io.stickylb.server;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs the listener's accept failures (out of file descriptors: EMFILE, ENFILE) as one line per interval with a
 * count, instead of the stack trace Netty's pipeline logs for each, twice a second while they last. Sits after
 * Netty's acceptor, which has already paused accepting for a second; new clients wait in the listen backlog meanwhile.
 */
@ChannelHandler.Sharable
final class AcceptFailures extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(AcceptFailures.class);
    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private long lastLogged;
    private boolean loggedYet;
    private long unlogged;

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Only the listener's event loop runs this, so the fields need no lock.
        long now = System.nanoTime();
        if (loggedYet && now - lastLogged < INTERVAL_NANOS) {
            unlogged++;
            return;
        }
        String since = loggedYet && unlogged > 0 ? " (" + unlogged + " more since the last line)" : "";
        log.warn("cannot accept client connections: {}{}; they wait in the listen backlog and accepting is retried "
                + "every second. Raise the process's file limit (ulimit -n, LimitNOFILE=) or lower "
                + "limits.max-connections", cause.getMessage(), since);
        loggedYet = true;
        lastLogged = now;
        unlogged = 0;
    }
}
