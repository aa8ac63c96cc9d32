package io.stickylb.sample.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class InMemorySessionStoreTest {

    /** A clock the test moves by hand. */
    private static final class ManualClock extends Clock {
        private Instant now = Instant.parse("2025-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private final ManualClock clock = new ManualClock();
    private final InMemorySessionStore store = new InMemorySessionStore("b1", Duration.ofMinutes(30), clock);

    @Test
    void createTouchFind() {
        Session s = store.create().toCompletableFuture().join();
        assertThat(s.requests()).isEqualTo(1);
        assertThat(s.createdBy()).isEqualTo("b1");
        assertThat(s.id()).matches("[0-9A-F]{32}");
        assertThat(store.touch(s.id()).toCompletableFuture().join()).get()
                .extracting(Session::requests).isEqualTo(2L);
        assertThat(store.find(s.id()).toCompletableFuture().join()).get()
                .extracting(Session::requests).isEqualTo(2L);
        assertThat(store.touch("unknown").toCompletableFuture().join()).isEmpty();
        assertThat(store.activeSessions()).isEqualTo(1);
    }

    @Test
    void idleSessionsExpireAndTouchingKeepsThemAlive() {
        Session kept = store.create().toCompletableFuture().join();
        Session idle = store.create().toCompletableFuture().join();
        clock.advance(Duration.ofMinutes(20));
        assertThat(store.touch(kept.id()).toCompletableFuture().join()).isPresent();
        clock.advance(Duration.ofMinutes(15));
        assertThat(store.touch(idle.id()).toCompletableFuture().join()).isEmpty();
        assertThat(store.find(kept.id()).toCompletableFuture().join()).isPresent();
        assertThat(store.activeSessions()).isEqualTo(1);
    }

    @Test
    void routeSuffixHelpers() {
        assertThat(SessionIds.stripRoute("ABC.r1")).isEqualTo("ABC");
        assertThat(SessionIds.stripRoute("ABC")).isEqualTo("ABC");
        assertThat(SessionIds.withRoute("ABC", "r1")).isEqualTo("ABC.r1");
        assertThat(SessionIds.withRoute("ABC", null)).isEqualTo("ABC");
    }
}
