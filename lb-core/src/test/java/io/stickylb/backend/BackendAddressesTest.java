package io.stickylb.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stickylb.config.BackendConfig;
import io.stickylb.config.Endpoint;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The refresh schedule of {@link BackendAddresses} on its own: what a failing round must not stop. */
class BackendAddressesTest {

    @Test
    void aRoundThatThrowsDoesNotEndTheRefreshes() {
        Backend named = new Backend("app", new BackendConfig("b1", new Endpoint("app.internal", 8080), 1));
        AtomicInteger lookups = new AtomicInteger();
        AtomicInteger moves = new AtomicInteger();
        BackendAddresses.Lookup alternating = host -> InetAddress.getByAddress(host,
                new byte[] {10, 0, 0, (byte) (lookups.incrementAndGet() % 2 + 1)});
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
    void anIpAddressIsNeverLookedUp() {
        Backend ip = new Backend("app", new BackendConfig("b1", new Endpoint("10.1.2.3", 8080), 1));
        Backend v6 = new Backend("app", new BackendConfig("b2", new Endpoint("::1", 8080), 1));
        AtomicInteger lookups = new AtomicInteger();
        try (BackendAddresses addresses = new BackendAddresses(() -> List.of(ip, v6), b -> { }, host -> {
            lookups.incrementAndGet();
            return InetAddress.getLoopbackAddress();
        }, Duration.ofMillis(20))) {
            addresses.start(Duration.ofSeconds(5));
        }
        assertThat(lookups).hasValue(0);
        assertThat(ip.hasHostName()).isFalse();
        assertThat(ip.socketAddress().getAddress().getHostAddress()).isEqualTo("10.1.2.3");
        assertThat(v6.socketAddress().getAddress().isLoopbackAddress()).isTrue();
    }
}
