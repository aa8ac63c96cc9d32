package io.stickylb.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.stickylb.backend.Backend;
import io.stickylb.proxy.Upstreams;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Waking requests that wait for a connection, across the loops of one group, and idle connections after a backend
 * moved, on real Netty loops.
 */
class ConnectionPoolsTest {

    private final EventLoopGroup group = Transport.NIO.newGroup(2, "pools-test");
    private final ConnectionPools pools = new ConnectionPools(group, Transport.NIO, 4);
    private final Backend backend = Upstreams.create(TestConfigs.roundRobin(1)).pool("app").backend("b1").orElseThrow();

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aConnectFinishedOnOneLoopWakesTheWaitersOfAnother() throws Exception {
        Iterator<?> loops = group.iterator();
        EventLoop first = (EventLoop) loops.next();
        EventLoop second = (EventLoop) loops.next();
        AtomicInteger tries = new AtomicInteger();
        // The waiter must wait at its first look (queued just now), and may go at the next.
        second.submit(() -> pools.forLoop(second).await(backend, waiter(() -> tries.incrementAndGet() > 1))).sync();
        awaitTrue(() -> tries.get() == 1);
        assertThat(backend.waitingRequests()).isEqualTo(1);

        first.submit(() -> {
            backend.tryStartConnect(1);
            pools.forLoop(first).connectFinished(backend);
        }).sync();
        awaitTrue(() -> backend.waitingRequests() == 0);
        assertThat(tries.get()).isEqualTo(2);
    }

    @Test
    void aConnectFinishingAfterTheWaitersLoopStoppedIsNoError() throws Exception {
        Iterator<?> loops = group.iterator();
        EventLoop first = (EventLoop) loops.next();
        EventLoop second = (EventLoop) loops.next();
        second.submit(() -> pools.forLoop(second).await(backend, waiter(() -> false))).sync();
        second.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();

        // Shutdown order is not ours to choose: a loop still running finishes a connect after a waiter's loop stopped.
        assertThatCode(() -> first.submit(() -> {
            backend.tryStartConnect(1);
            pools.forLoop(first).connectFinished(backend);
        }).sync()).doesNotThrowAnyException();
    }

    @Test
    void aReloadRacingTheShutdownIsNoErrorOnLoopsAlreadyStopped() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();

        // A reload that removes or moves a backend just as the loops stop must not fail for it.
        assertThatCode(() -> pools.removed(backend)).doesNotThrowAnyException();
        assertThatCode(() -> pools.closeAll(backend)).doesNotThrowAnyException();
    }

    @Test
    void anIdleConnectionToAnAddressTheBackendHasLeftIsClosedNotHandedOut() throws Exception {
        EventLoop loop = group.next();
        UpstreamConnections connections = pools.forLoop(loop);
        try (ServerSocket old = listener(); ServerSocket moved = listener()) {
            Upstreams before = Upstreams.create(TestConfigs.roundRobin(old.getLocalPort()));
            Backend b = before.pool("app").backend("b1").orElseThrow();
            InetSocketAddress openedTo = b.socketAddress();
            Channel ch = loop.submit(() -> connections.connect(b, openedTo, 2000, new ChannelInboundHandlerAdapter()))
                    .get().sync().getNow();
            loop.submit(() -> connections.release(b, ch, openedTo)).sync();
            assertThat(b.stats().idleConnections.get()).isEqualTo(1);

            // A reload moves b1 (same id, same object, new port). A request on this loop before the reload's
            // clean-up has run here must not get the connection to the old port.
            before.next(TestConfigs.roundRobin(moved.getLocalPort()), new ArrayList<>());
            assertThat(b.socketAddress()).isNotSameAs(openedTo);
            assertThat(loop.submit(() -> connections.pollIdle(b)).get()).isNull();
            assertThat(ch.closeFuture().await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(b.stats().idleConnections.get()).isZero();
        }
    }

    private static ServerSocket listener() throws IOException {
        return new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(2);
        }
    }

    /** A waiter whose tries answer {@code tryAgain}; no reload removes its backend in these tests. */
    private static ConnectionWaiter waiter(BooleanSupplier tryAgain) {
        return new ConnectionWaiter() {
            @Override
            public boolean tryAgain() {
                return tryAgain.getAsBoolean();
            }

            @Override
            public void backendRemoved() {
                throw new AssertionError("no reload here");
            }
        };
    }
}
