package io.stickylb.sample.session;

import static io.stickylb.sample.testing.TestHttp.get;
import static io.stickylb.sample.testing.TestHttp.json;
import static io.stickylb.sample.testing.TestHttp.sessionCookie;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.stickylb.sample.SampleBackend;
import io.stickylb.sample.SampleBackendOptions;
import io.stickylb.sample.testing.RedisServerProcess;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RedisSessionStoreTest {

    private static RedisServerProcess redis;

    @BeforeAll
    static void startRedis() throws Exception {
        Assumptions.assumeTrue(RedisServerProcess.binary() != null,
                "redis-server is not installed (apt-get install redis-server); skipping the Redis session store tests");
        redis = RedisServerProcess.start();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    private static SampleBackend backend(String id, String route) {
        SampleBackend b = new SampleBackend(SampleBackendOptions.builder(id).jvmRoute(route)
                .sessionStore(redis.uri()).build());
        b.start();
        return b;
    }

    @Test
    void backendsSharingRedisSeeEachOthersSessions() {
        SampleBackend b1 = backend("b1", "b1");
        SampleBackend b2 = backend("b2", "b2");
        try {
            HttpResponse<String> created = get(b1.baseUrl() + "/");
            JsonNode first = json(created);
            assertThat(first.get("store").asText()).isEqualTo("redis");
            assertThat(first.get("sessionNew").asBoolean()).isTrue();
            String cookie = sessionCookie(created);
            assertThat(cookie).endsWith(".b1");

            // b1 dies; the balancer fails the client over to b2, which finds the session in Redis.
            b1.stop();
            HttpResponse<String> failedOver = get(b2.baseUrl() + "/", "Cookie", "JSESSIONID=" + cookie);
            JsonNode second = json(failedOver);
            assertThat(second.get("backend").asText()).isEqualTo("b2");
            assertThat(second.get("sessionNew").asBoolean()).isFalse();
            assertThat(second.get("sessionLost").asBoolean()).isFalse();
            assertThat(second.get("sessionRequests").asLong()).isEqualTo(2);
            assertThat(second.get("sessionCreatedBy").asText()).isEqualTo("b1");
            // Re-pinned to b2's route, so a sticky balancer follows the session to its new home.
            String repinned = sessionCookie(failedOver);
            assertThat(repinned).isEqualTo(cookie.substring(0, cookie.indexOf('.')) + ".b2");
            assertThat(second.get("session").asText()).isEqualTo(repinned);

            JsonNode third = json(get(b2.baseUrl() + "/", "Cookie", "JSESSIONID=" + repinned));
            assertThat(third.get("sessionRequests").asLong()).isEqualTo(3);
            assertThat(b2.stats().sessionsLost()).isZero();
            assertThat(b2.stats().sessionsCreated()).isZero();
            assertThat(b2.stats().activeSessions()).isEqualTo(-1);

            JsonNode unknown = json(get(b2.baseUrl() + "/", "Cookie", "JSESSIONID=FFFF.b1"));
            assertThat(unknown.get("sessionLost").asBoolean()).isTrue();
        } finally {
            b1.stop();
            b2.stop();
        }
    }

    @Test
    void storeApiCreatesFindsTouchesAndExpires() throws Exception {
        try (RedisSessionStore store = RedisSessionStore.connect(redis.uri(), "b9", Duration.ofSeconds(2))) {
            assertThat(store.kind()).isEqualTo("redis");
            Session s = store.create().toCompletableFuture().join();
            assertThat(s.requests()).isEqualTo(1);
            assertThat(store.find(s.id()).toCompletableFuture().join()).get()
                    .extracting(Session::createdBy).isEqualTo("b9");
            Session touched = store.touch(s.id()).toCompletableFuture().join().orElseThrow();
            assertThat(touched.requests()).isEqualTo(2);
            assertThat(touched.createdAt()).isEqualTo(s.createdAt());
            assertThat(store.touch("nope").toCompletableFuture().join()).isEmpty();
            assertThat(store.find("nope").toCompletableFuture().join()).isEmpty();
            // The TTL is long enough that a slow first round trip cannot expire the session before it is touched.
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> store.find(s.id()).toCompletableFuture().join().isEmpty());
            assertThat(store.touch(s.id()).toCompletableFuture().join()).isEmpty();
        }
    }

    @Test
    void aRedisOutageAnswers503AndTheBackendStaysUp() throws Exception {
        RedisServerProcess own = RedisServerProcess.start();
        try (SampleBackend b = new SampleBackend(SampleBackendOptions.builder("b1")
                .sessionStore(own.uri()).build())) {
            b.start();
            assertThat(get(b.baseUrl() + "/").statusCode()).isEqualTo(200);
            own.close();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                HttpResponse<String> r = get(b.baseUrl() + "/");
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(json(r).get("error").asText()).startsWith("session store unavailable");
            });
            assertThat(get(b.baseUrl() + "/health").statusCode()).isEqualTo(200);
        } finally {
            own.close();
        }
    }

    @Test
    void aSharedStoreInstanceServesInProcessBackends() {
        try (RedisSessionStore store = RedisSessionStore.connect(redis.uri(), "shared", Duration.ofMinutes(1));
                SampleBackend a = new SampleBackend(SampleBackendOptions.builder("a").sessionStore(store).build());
                SampleBackend b = new SampleBackend(SampleBackendOptions.builder("b").sessionStore(store).build())) {
            a.start();
            b.start();
            String cookie = sessionCookie(get(a.baseUrl() + "/"));
            a.stop();
            JsonNode r = json(get(b.baseUrl() + "/", "Cookie", "JSESSIONID=" + cookie));
            assertThat(r.get("sessionNew").asBoolean()).isFalse();
            // The caller owns the store: stopping a backend did not close it.
            assertThat(store.find(cookie).toCompletableFuture().join()).isPresent();
        }
    }
}
