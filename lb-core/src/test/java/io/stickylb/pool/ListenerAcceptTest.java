package io.stickylb.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A listener built by {@link Transport#listener} takes a burst of queued connections in one wake-up of its loop, on
 * every transport: Netty 4.2's epoll listener on its own took one per wake-up.
 */
class ListenerAcceptTest {

    private static final int BURST = 40;

    private final List<Socket> clients = new ArrayList<>();
    private EventLoopGroup group;

    @AfterEach
    void stop() throws Exception {
        for (Socket s : clients) {
            s.close();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aBurstOfQueuedConnectionsIsAcceptedInOneWakeUp(Transport transport) throws Exception {
        assumeTrue(transport != Transport.EPOLL || Epoll.isAvailable(), "epoll does not load here");
        assumeTrue(transport != Transport.IO_URING || IoUring.isAvailable(), "io_uring does not load here");
        group = transport.newGroup(1, "accept-test");
        AcceptBatches batches = new AcceptBatches();
        Channel listener = transport.listener(group)
                .handler(batches)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // Nothing: a shared handler, as Netty refuses to add one unshareable instance twice.
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        int port = ((InetSocketAddress) listener.localAddress()).getPort();

        // Hold the listener's only loop so the whole burst waits in the kernel's accept queue, as it does when a
        // busy loop is serving other connections; a blocking connect returns once the handshake is complete.
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        listener.eventLoop().execute(() -> {
            held.countDown();
            await(release);
        });
        assertThat(held.await(5, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < BURST; i++) {
            clients.add(new Socket("127.0.0.1", port));
        }
        awaitAcceptQueue(port, BURST);
        release.countDown();

        assertThat(batches.accepted.await(10, TimeUnit.SECONDS))
                .as("all %d connections accepted; batches %s", BURST, batches.sizes).isTrue();
        assertThat(batches.sizes).as("connections accepted per wake-up").containsExactly(BURST);
    }

    /**
     * A client's connect returns once it has sent the handshake's last ACK; on a busy machine the listener may take
     * that ACK a moment later. Where Linux shows the accept queue (the receive queue of a listening socket in
     * /proc/net/tcp and tcp6), wait until the whole burst is in it, so the release finds all of it queued.
     */
    private static void awaitAcceptQueue(int port, int expected) throws Exception {
        String hexPort = String.format(":%04X", port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            Integer queued = acceptQueue(hexPort);
            if (queued == null || queued >= expected) {
                return;
            }
            Thread.sleep(5);
        }
    }

    /** The accept queue of the listening socket on this port, or null where /proc does not tell. */
    private static Integer acceptQueue(String hexPort) {
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    // local_address rem_address st tx_queue:rx_queue; st 0A is LISTEN
                    if (f.length > 4 && f[1].endsWith(hexPort) && f[3].equals("0A")) {
                        return Integer.parseInt(f[4].substring(f[4].indexOf(':') + 1), 16);
                    }
                }
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
        return null;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Counts the connections the listener accepts between two read-completes: one read-complete per wake-up. */
    private static final class AcceptBatches extends ChannelInboundHandlerAdapter {
        final CountDownLatch accepted = new CountDownLatch(1);
        final List<Integer> sizes = new CopyOnWriteArrayList<>();
        private int inBatch;
        private int total;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object child) {
            inBatch++;
            ctx.fireChannelRead(child);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (inBatch > 0) {
                sizes.add(inBatch);
                total += inBatch;
                inBatch = 0;
            }
            if (total >= BURST) {
                accepted.countDown();
            }
            ctx.fireChannelReadComplete();
        }
    }
}
