package io.stickylb.pool;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/** The I/O transport: native epoll on Linux x86_64 when it loads, NIO everywhere else. */
public enum Transport {
    EPOLL, NIO;

    /** The best transport available here; {@code -Dstickylb.transport=nio} is for comparing the two. */
    public static Transport best() {
        if ("nio".equalsIgnoreCase(System.getProperty("stickylb.transport"))) {
            return NIO;
        }
        return Epoll.isAvailable() ? EPOLL : NIO;
    }

    /**
     * The buffer allocator of proxied connections, client and backend side: Netty's pooled allocator measured 1-2 %
     * more requests per second than 4.2's default adaptive one on the proxy path (docs/benchmarks.md).
     * {@code -Dio.netty.allocator.type} does not change it; this does, for comparisons.
     */
    public static io.netty.buffer.ByteBufAllocator allocator() {
        return "adaptive".equalsIgnoreCase(System.getProperty("stickylb.allocator"))
                ? io.netty.buffer.ByteBufAllocator.DEFAULT : io.netty.buffer.PooledByteBufAllocator.DEFAULT;
    }

    public EventLoopGroup newGroup(int threads, String name) {
        IoHandlerFactory factory = this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), factory);
    }

    public Class<? extends ServerSocketChannel> serverChannel() {
        return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public Class<? extends SocketChannel> socketChannel() {
        return this == EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }
}
