package io.stickylb.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.stickylb.codec.RequestDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The time a client has to send a complete request head (slowloris: 408 and close). Armed when a head starts
 * arriving and not refreshed by later bytes; a connection that has sent nothing (a browser's preconnect, a pool
 * opened ahead) is idle, not slow, and is left to the idle timeout: an unsolicited 408 on it would be read as the
 * answer to the request it sends next.
 */
final class RequestHeadTimer implements RequestDecoder.HeadWatch {

    private static final Logger log = LoggerFactory.getLogger(RequestHeadTimer.class);

    private final Channel channel;
    private final ProxyRuntime runtime;
    private final long timeoutMillis;
    private final LazyDeadline deadline;
    private RequestDecoder decoder;

    RequestHeadTimer(Channel channel, ProxyRuntime runtime, long timeoutMillis) {
        this.channel = channel;
        this.runtime = runtime;
        this.timeoutMillis = timeoutMillis;
        this.deadline = new LazyDeadline(channel.eventLoop(), this::timedOut);
    }

    void watch(RequestDecoder decoder) {
        this.decoder = decoder;
    }

    @Override
    public void headStarted() {
        if (timeoutMillis > 0 && !deadline.isSet()) {
            deadline.set(timeoutMillis);
        }
    }

    @Override
    public void headEnded() {
        if (channel.isActive()) {
            deadline.clear();
        } else {
            deadline.cancel();
        }
    }

    private void timedOut() {
        if (!channel.isActive()) {
            return;
        }
        FrontendHandler frontend = channel.pipeline().get(FrontendHandler.class);
        if (frontend != null && frontend.busy()) {
            // A pipelined head waiting behind a response in progress is not slow; look again later.
            headStarted();
            return;
        }
        log.debug("client {}: request head not received in time -> 408", channel.remoteAddress());
        decoder.abandon();
        runtime.localAnswers().answered(runtime, channel, null, HttpResponseStatus.REQUEST_TIMEOUT);
        if (frontend != null) {
            // A client still sending its head must not have the 408 reset away by a close with its bytes unread.
            frontend.headTimedOut();
            return;
        }
        channel.writeAndFlush(ErrorResponses.of(HttpResponseStatus.REQUEST_TIMEOUT, true))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
