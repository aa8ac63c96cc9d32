package io.stickylb.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.stickylb.config.BackendConfig;
import io.stickylb.config.Endpoint;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * {@link BackendAddresses} on its own: what a failing round must not stop, what a lookup answering several addresses
 * does.
 */
class BackendAddressesTest {

    @Test
    void aRoundThatThrowsDoesNotEndTheRefreshes() {
        Backend named = new Backend("app", new BackendConfig("b1", new Endpoint("app.internal", 8080), 1));
        AtomicInteger lookups = new AtomicInteger();
        AtomicInteger moves = new AtomicInteger();
        BackendAddresses.Lookup alternating = host -> new InetAddress[] {InetAddress.getByAddress(host,
                new byte[] {10, 0, 0, (byte) (lookups.incrementAndGet() % 2 + 1)})};
        try (BackendAddresses addresses = new BackendAddresses(() -> List.of(named), b -> {
            moves.incrementAndGet();
            throw new IllegalStateException("the event loops are gone");
        }, alternating, Duration.ofMillis(20))) {
            addresses.start(Duration.ofSeconds(5));
            await().atMost(Duration.ofSeconds(10)).until(() -> moves.get() >= 3);
        }
        assertThat(named.socketAddress().isUnresolved()).isFalse();
    }

    @Test
    void aLookupAnsweringNothingLeavesTheNameUnresolved() {
        Backend named = new Backend("app", new BackendConfig("b1", new Endpoint("app.internal", 8080), 1));
        AtomicInteger lookups = new AtomicInteger();
        try (BackendAddresses addresses = new BackendAddresses(() -> List.of(named), b -> { }, host -> {
            lookups.incrementAndGet();
            return null;
        }, Duration.ofMillis(20))) {
            addresses.start(Duration.ofSeconds(5));
            await().atMost(Duration.ofSeconds(10)).until(() -> lookups.get() >= 3);
        }
        assertThat(named.socketAddress().isUnresolved()).isTrue();
    }

    @Test
    void aNameWithSeveralAddressesKeepsItsAddressWhileTheAnswersRotateAndIsLoggedOnce() throws Exception {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        Logger logger = (Logger) LoggerFactory.getLogger(BackendAddresses.class);
        logger.addAppender(logs);
        Backend named = new Backend("app", new BackendConfig("b1", new Endpoint("app.internal", 8080), 1));
        InetAddress a = InetAddress.getByAddress("app.internal", new byte[] {10, 0, 0, 1});
        InetAddress b = InetAddress.getByAddress("app.internal", new byte[] {10, 0, 0, 2});
        InetAddress c = InetAddress.getByAddress("app.internal", new byte[] {10, 0, 0, 3});
        InetAddress v6 = InetAddress.getByAddress("app.internal", new byte[] {(byte) 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 1});
        // A DNS server rotating its round-robin answer at every lookup, as many do.
        AtomicReference<List<InetAddress>> answer = new AtomicReference<>(List.of(a, b, c));
        AtomicInteger lookups = new AtomicInteger();
        AtomicInteger moves = new AtomicInteger();
        BackendAddresses.Lookup rotating = host -> {
            List<InetAddress> now = new ArrayList<>(answer.get());
            Collections.rotate(now, lookups.getAndIncrement());
            now.add(v6); // the same hosts' other family: not counted as one more address
            return now.toArray(new InetAddress[0]);
        };
        try (BackendAddresses addresses = new BackendAddresses(() -> List.of(named), x -> moves.incrementAndGet(),
                rotating, Duration.ofMillis(20))) {
            addresses.start(Duration.ofSeconds(5));
            InetSocketAddress first = named.socketAddress();
            await().atMost(Duration.ofSeconds(10)).until(() -> lookups.get() >= 10);
            assertThat(named.socketAddress()).as("the same address, the same object").isSameAs(first);
            assertThat(first.getAddress()).isEqualTo(a);
            assertThat(moves).as("no pooled connections closed for a rotation").hasValue(0);

            answer.set(List.of(b, c)); // the address in use is gone: move to one that is still there
            await().atMost(Duration.ofSeconds(10)).until(() -> moves.get() == 1);
            InetAddress next = named.socketAddress().getAddress();
            assertThat(next).isIn(b, c);
            int seen = lookups.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> lookups.get() >= seen + 10);
            assertThat(named.socketAddress().getAddress()).isEqualTo(next);
            assertThat(moves).hasValue(1);
        } finally {
            logger.detachAppender(logs);
        }
        List<String> shared = logs.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("addresses")).toList();
        assertThat(shared).as("once per answer size, not once per refresh").hasSize(2);
        assertThat(shared.get(0)).startsWith("backend app/b1: app.internal has 3 addresses (10.0.0.1, 10.0.0.2, "
                + "10.0.0.3); the backend uses one, 10.0.0.1, for as long as the name lists it");
        assertThat(shared.get(1)).startsWith("backend app/b1: app.internal has 2 addresses");
    }

    @Test
    void anIpAddressIsNeverLookedUp() {
        Backend ip = new Backend("app", new BackendConfig("b1", new Endpoint("10.1.2.3", 8080), 1));
        Backend v6 = new Backend("app", new BackendConfig("b2", new Endpoint("::1", 8080), 1));
        AtomicInteger lookups = new AtomicInteger();
        try (BackendAddresses addresses = new BackendAddresses(() -> List.of(ip, v6), b -> { }, host -> {
            lookups.incrementAndGet();
            return new InetAddress[] {InetAddress.getLoopbackAddress()};
        }, Duration.ofMillis(20))) {
            addresses.start(Duration.ofSeconds(5));
        }
        assertThat(lookups).hasValue(0);
        assertThat(ip.hasHostName()).isFalse();
        assertThat(ip.socketAddress().getAddress().getHostAddress()).isEqualTo("10.1.2.3");
        assertThat(v6.socketAddress().getAddress().isLoopbackAddress()).isTrue();
    }
}
