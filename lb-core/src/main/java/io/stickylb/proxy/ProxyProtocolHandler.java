package io.stickylb.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the PROXY protocol header (v1 text or v2 binary) that an L4 balancer in front sends before the first request,
 * and makes the client address it carries the connection's client address; then steps out of the pipeline. A
 * connection that does not start with a valid header is closed before any request is read: with
 * {@code proxy-protocol} on, a connection without one did not come through the balancer.
 */
final class ProxyProtocolHandler extends ChannelInboundHandlerAdapter {

    static final String DECODER = "proxy-protocol-decoder";
    static final String HANDLER = "proxy-protocol";

    private static final Logger log = LoggerFactory.getLogger(ProxyProtocolHandler.class);
    private static final AttributeKey<InetSocketAddress> CLIENT =
            AttributeKey.valueOf("stickylb.proxy-protocol.client");

    private boolean rejected;

    /** Adds the decoder and this handler at the head of a new connection's pipeline. */
    static void install(Channel ch) {
        ch.pipeline().addFirst(HANDLER, new ProxyProtocolHandler());
        ch.pipeline().addFirst(DECODER, new HAProxyMessageDecoder());
    }

    /** The client's address: the one a PROXY header named, else the socket's peer. */
    static SocketAddress clientAddress(Channel ch) {
        InetSocketAddress announced = ch.attr(CLIENT).get();
        return announced != null ? announced : ch.remoteAddress();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage header)) {
            // Cannot happen while the decoder is ahead of us; pass it on rather than lose it.
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            InetSocketAddress client = announcedClient(header);
            if (client != null) {
                ctx.channel().attr(CLIENT).set(client);
            }
        } finally {
            ReferenceCountUtil.release(header);
        }
        // The decoder removes itself once it has read a header, handing on any bytes that followed it (the first
        // request) to the HTTP decoder.
        ctx.pipeline().remove(this);
    }

    /**
     * The address a PROXY header announces, or null for a LOCAL header (the balancer's own health check) or an
     * UNKNOWN or non-TCP protocol, where the connection's own peer is the client, as the protocol specifies.
     */
    private static InetSocketAddress announcedClient(HAProxyMessage header) {
        if (header.command() != HAProxyCommand.PROXY) {
            return null;
        }
        HAProxyProxiedProtocol protocol = header.proxiedProtocol();
        if (protocol != HAProxyProxiedProtocol.TCP4 && protocol != HAProxyProxiedProtocol.TCP6) {
            return null;
        }
        try {
            // The decoder has validated the address as an IPv4 or IPv6 literal, so this does no lookup.
            return new InetSocketAddress(InetAddress.getByName(header.sourceAddress()), header.sourcePort());
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (rejected) {
            return; // the decoder goes on through the lines it already holds; one line in the log is enough
        }
        rejected = true;
        log.debug("client connection {} sent no valid PROXY protocol header: {}", ctx.channel().remoteAddress(),
                cause.toString());
        ctx.close();
    }
}
