package io.stickylb.pool;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannelRecvByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.stickylb.config.TransportChoice;
import java.util.Locale;
import java.util.Optional;

/** The I/O transport: native epoll on Linux x86_64 when it loads, io_uring when asked for, NIO everywhere. */
public enum Transport {
    EPOLL, IO_URING, NIO;

    /** How many queued connections a listener accepts per wake-up before its loop turns to other work. */
    public static final int ACCEPTS_PER_WAKEUP = 64;

    /**
     * What {@code transport: auto} runs: epoll where it loads, NIO elsewhere. {@code -Dstickylb.transport=nio} or
     * {@code =io-uring} replaces it, for comparisons and for running the test suite over another transport.
     */
    public static Transport best() {
        String forced = System.getProperty("stickylb.transport", "").trim().toLowerCase(Locale.ROOT).replace('_', '-');
        if (forced.equals("nio")) {
            return NIO;
        }
        if (forced.equals("io-uring") && IoUring.isAvailable()) {
            return IO_URING;
        }
        return Epoll.isAvailable() ? EPOLL : NIO;
    }

    /**
     * The transport the config asks for. An explicit {@code epoll} or {@code io-uring} that cannot load here is a
     * {@link TransportUnavailableException} naming the reason: running on another transport than the operator chose
     * would hide it.
     */
    public static Transport forChoice(TransportChoice choice) {
        return switch (choice) {
            case AUTO -> best();
            case NIO -> NIO;
            case EPOLL -> require(EPOLL, Epoll.isAvailable(), Epoll.unavailabilityCause());
            case IO_URING -> require(IO_URING, IoUring.isAvailable(), IoUring.unavailabilityCause());
        };
    }

    /** "available", or "not available (why)": what {@code lb --version} tells an operator before choosing it. */
    public static String ioUringAvailability() {
        return IoUring.isAvailable() ? "available" : "not available (" + reason(IoUring.unavailabilityCause()) + ")";
    }

    private static String reason(Throwable cause) {
        return Optional.ofNullable(cause).map(c -> c.getMessage() != null ? c.getMessage() : c.toString())
                .orElse("unknown reason");
    }

    private static Transport require(Transport t, boolean available, Throwable cause) {
        if (!available) {
            throw new TransportUnavailableException("transport " + t.displayName() + " is not available here ("
                    + reason(cause) + "); use transport: auto", cause);
        }
        return t;
    }

    /** The name logs and {@code lb --version} print: epoll, io_uring or nio. */
    public String displayName() {
        return name().toLowerCase(Locale.ROOT);
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

    /**
     * A bootstrap for a listener on this transport that accepts up to {@link #ACCEPTS_PER_WAKEUP} queued connections
     * each time its loop wakes. Netty 4.2's epoll listener otherwise accepts one: its level-triggered read handle
     * asks "maybe more data?" by comparing the accepted descriptor with 1, which is never true. A burst of 256
     * connections then took 256 turns of a busy loop, and the last one waited up to a second for its first byte.
     * Its handler ({@link RegisterAfterBatch}) must stay: add more to the listener's pipeline, do not replace it.
     */
    public ServerBootstrap listener(EventLoopGroup group) {
        return new ServerBootstrap()
                .group(group)
                .channel(serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new ServerChannelRecvByteBufAllocator()
                        .respectMaybeMoreData(false)
                        .maxMessagesPerRead(ACCEPTS_PER_WAKEUP))
                // Accepted connections join their loops after the listener's I/O batch, as backend connects do.
                .handler(RegisterAfterBatch.INSTANCE);
    }

    public EventLoopGroup newGroup(int threads, String name) {
        IoHandlerFactory factory = switch (this) {
            case EPOLL -> EpollIoHandler.newFactory();
            case IO_URING -> IoUringIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
        };
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), factory);
    }

    public Class<? extends ServerSocketChannel> serverChannel() {
        return switch (this) {
            case EPOLL -> EpollServerSocketChannel.class;
            case IO_URING -> IoUringServerSocketChannel.class;
            case NIO -> NioServerSocketChannel.class;
        };
    }

    public Class<? extends SocketChannel> socketChannel() {
        return switch (this) {
            case EPOLL -> EpollSocketChannel.class;
            case IO_URING -> IoUringSocketChannel.class;
            case NIO -> NioSocketChannel.class;
        };
    }
}
