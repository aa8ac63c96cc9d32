package io.stickylb.lab;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpResponse;

/**
 * One keep-alive connection of the load driver to the proxy, carrying one request at a time. It remembers the
 * request in flight (client, due, sent, its session cookie) and hands the answer, or the loss of the connection,
 * back to the {@link LoadDriver}. Runs on the driver's event loop.
 */
final class LabConnection extends SimpleChannelInboundHandler<FullHttpResponse> {

    private final LoadDriver driver;
    final int addressKey;
    Channel channel;
    int client = -1;
    /** The request's latency origin: its scheduled time, or later when think time held it back. */
    long dueNanos;
    long sentNanos;
    boolean carriedSession;
    int sessionHome;
    /** The {@code Cookie} header the request carried (the client's jar as it was), or null. */
    String sentCookies;

    LabConnection(LoadDriver driver, int addressKey) {
        this.driver = driver;
        this.addressKey = addressKey;
    }

    boolean busy() {
        return client >= 0;
    }

    void begin(int c, long due, long sent, boolean carried, int home, String cookies) {
        client = c;
        dueNanos = due;
        sentNanos = sent;
        carriedSession = carried;
        sessionHome = home;
        sentCookies = cookies;
    }

    void end() {
        client = -1;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
        driver.answered(this, response);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        driver.closed(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Resets and decoder errors end up in channelInactive, which fails the request in flight.
        ctx.close();
    }
}
