package io.stickylb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.config.BackendConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.PoolConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** {@code lb validate}'s look-up of backend host names: once per name, never for an address, within a bound. */
class HostNameCheckTest {

    private static LoadBalancerConfig config(String... addresses) {
        List<BackendConfig> backends = new ArrayList<>();
        for (int i = 0; i < addresses.length; i++) {
            backends.add(new BackendConfig("b" + (i + 1), Endpoint.parse(addresses[i]), 1));
        }
        return LoadBalancerConfig.simple(new Endpoint("127.0.0.1", 8080), PoolConfig.of("app", "round-robin",
                backends));
    }

    @Test
    void theSystemResolverAnswersForLocalhostAndRefusesTheReservedInvalidDomain() throws InterruptedException {
        List<String> warnings = new HostNameCheck().warnings(config("localhost:9001", "nope.invalid:9002",
                "127.0.0.1:9003"));

        assertThat(warnings).singleElement().asString()
                .startsWith("pool 'app': backend b2 host \"nope.invalid\" does not resolve: ")
                .doesNotContain("nope.invalid: ");
    }

    @Test
    void eachNameIsLookedUpOnceAndAddressesNever() throws InterruptedException {
        List<String> lookups = Collections.synchronizedList(new ArrayList<>());
        HostNameCheck check = new HostNameCheck(host -> {
            lookups.add(host);
            throw new UnknownHostException(host + ": Name or service not known");
        }, Duration.ofSeconds(10));

        List<String> warnings = check.warnings(config("app.internal:1", "app.internal:2", "10.0.0.1:3", "[::1]:4"));

        assertThat(lookups).containsExactly("app.internal");
        assertThat(warnings).containsExactly(
                "pool 'app': backend b1 host \"app.internal\" does not resolve: Name or service not known (lb run"
                        + " fails its connections until it does)",
                "pool 'app': backend b2 host \"app.internal\" does not resolve: Name or service not known (lb run"
                        + " fails its connections until it does)");
    }

    @Test
    void aResolverThatNeverAnswersIsGivenUpOnAtTheBound() throws InterruptedException {
        CountDownLatch never = new CountDownLatch(1);
        HostNameCheck check = new HostNameCheck(host -> {
            if (host.equals("quick.internal")) {
                return new InetAddress[] {InetAddress.getLoopbackAddress()};
            }
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new UnknownHostException(host);
        }, Duration.ofMillis(200));
        try {
            List<String> warnings = check.warnings(config("slow.internal:1", "quick.internal:2", "slower.internal:3"));

            assertThat(warnings).containsExactly(
                    "pool 'app': backend b1 host \"slow.internal\" does not resolve: no answer within 200ms (lb run"
                            + " fails its connections until it does)",
                    "pool 'app': backend b3 host \"slower.internal\" does not resolve: no answer within 200ms (lb run"
                            + " fails its connections until it does)");
        } finally {
            never.countDown();
        }
    }
}
