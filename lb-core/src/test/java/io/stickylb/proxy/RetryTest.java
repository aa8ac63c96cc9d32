package io.stickylb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.config.PoolConfig;
import io.stickylb.config.RetryConfig;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which failed attempts are tried again on another backend, and that the replayed request is complete. */
class RetryTest {

    private FakeBackend bad;
    private FakeBackend good;
    private LoadBalancer lb;

    @AfterEach
    void stop() throws IOException {
        lb.close();
        bad.close();
        good.close();
    }

    private static FakeBackend echoing() throws IOException {
        return new FakeBackend((req, out, s) -> {
            byte[] body = req.body();
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            return true;
        });
    }

    /** Reads the whole request, then closes without a word: the request may have been processed. */
    private static FakeBackend resetting() throws IOException {
        return new FakeBackend((req, out, s) -> false);
    }

    private void start(RetryConfig retry) {
        PoolConfig base = TestConfigs.pool("round-robin", bad.port(), good.port());
        PoolConfig pool = new PoolConfig(base.name(), base.strategy(), base.backends(), base.timeouts(), null, 0, null,
                null, null, null, null, null, true, retry, null, null);
        lb = new LoadBalancer(TestConfigs.single(pool)).start();
    }

    @Test
    void a503IsRetriedElsewhereWhenRetryOnNamesIt() throws Exception {
        bad = new FakeBackend((req, out, s) -> {
            out.write("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy"
                    .getBytes(StandardCharsets.US_ASCII));
            return true;
        });
        good = echoing();
        start(new RetryConfig(2, Set.of("connect-failure", "reset", "503"), false, 64 * 1024));
        try (RawHttp c = new RawHttp(lb.port())) {
            for (int i = 0; i < 6; i++) {
                assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(200);
            }
        }
        assertThat(bad.requests()).isNotEmpty();
    }

    @Test
    void whenEveryBackendAnswers503TheLastAnswerIsRelayedNotA502() throws Exception {
        bad = new FakeBackend((req, out, s) -> {
            out.write("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\nContent-Length: 4\r\n\r\nbusy"
                    .getBytes(StandardCharsets.US_ASCII));
            return true;
        });
        good = new FakeBackend((req, out, s) -> {
            out.write("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 9\r\nContent-Length: 5\r\n\r\nfull!"
                    .getBytes(StandardCharsets.US_ASCII));
            return true;
        });
        start(new RetryConfig(2, Set.of("connect-failure", "reset", "503"), false, 64 * 1024));
        try (RawHttp c = new RawHttp(lb.port())) {
            RawHttp.Response r = c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header("Retry-After")).isIn("7", "9");
            assertThat(r.body()).isIn("busy", "full!");
        }
        assertThat(bad.requests().size() + good.requests().size()).as("each backend asked once").isEqualTo(2);
        // The first 503 was dropped for the retry: stickylb_backend_responses_total counts answers clients got, one.
        long answers = lb.upstreams().pools().values().stream().flatMap(p -> p.backends().stream())
                .mapToLong(b -> b.stats().responses(5)).sum();
        assertThat(answers).isEqualTo(1);
    }

    @Test
    void aResetAfterSendingIsRetriedForIdempotentRequestsWithTheirBuffredBody() throws Exception {
        bad = resetting();
        good = echoing();
        start(RetryConfig.DEFAULTS);
        try (RawHttp c = new RawHttp(lb.port())) {
            for (int i = 0; i < 4; i++) {
                RawHttp.Response r = c.send("PUT /doc HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world")
                        .read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("hello world");
            }
        }
    }

    @Test
    void aRetryWithNowhereLeftToGoIsNotCountedAsARetry() throws Exception {
        bad = resetting();
        good = resetting();
        start(RetryConfig.DEFAULTS);
        try (RawHttp c = new RawHttp(lb.port())) {
            assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(502);
        }
        assertThat(bad.requests().size() + good.requests().size()).as("each backend asked once").isEqualTo(2);
        // One retry went out (from the first backend to the second); after the second failed nothing was left, so
        // stickylb_backend_retries_total must not say two.
        long retries = lb.upstreams().pools().values().stream().flatMap(p -> p.backends().stream())
                .mapToLong(b -> b.stats().retries.sum()).sum();
        assertThat(retries).isEqualTo(1);
    }

    @Test
    void aResetPostIsNotRetriedUnlessNonIdempotentRetriesAreAllowed() throws Exception {
        bad = resetting();
        good = echoing();
        start(RetryConfig.DEFAULTS);
        int failures = 0;
        for (int i = 0; i < 4; i++) {
            try (RawHttp c = new RawHttp(lb.port())) {
                if (c.send("POST /order HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nbuy").read().status() == 502) {
                    failures++;
                }
            }
        }
        assertThat(failures).isEqualTo(2);
    }

    @Test
    void aResetPostIsReplayedWhenAllowedAndItsBodyFitsTheRetryBuffer() throws Exception {
        bad = resetting();
        good = echoing();
        start(new RetryConfig(2, Set.of("connect-failure", "reset"), true, 1024));
        try (RawHttp c = new RawHttp(lb.port())) {
            for (int i = 0; i < 4; i++) {
                RawHttp.Response r = c.send("POST /order HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "3\r\nbuy\r\n4\r\n 100\r\n0\r\n\r\n").read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("buy 100");
            }
        }
    }

    @Test
    void aBodyLargerThanTheRetryBufferIsNotReplayed() throws Exception {
        bad = resetting();
        good = echoing();
        start(new RetryConfig(2, Set.of("connect-failure", "reset"), true, 4));
        int failures = 0;
        for (int i = 0; i < 4; i++) {
            try (RawHttp c = new RawHttp(lb.port())) {
                if (c.send("POST /order HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789").read().status()
                        == 502) {
                    failures++;
                }
            }
        }
        assertThat(failures).isEqualTo(2);
    }
}
