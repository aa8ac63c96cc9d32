package io.stickylb.sample.session;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Sessions as Redis hashes ({@code requests}, {@code createdAt}, {@code createdBy}) under
 * {@code stickylb:session:<id>} with a time to live, so every backend sharing the Redis sees every session and a dead
 * backend loses none. Uses Lettuce's asynchronous API only, so event loops never wait for Redis.
 */
public final class RedisSessionStore implements SessionStore {

    /** Key prefix of every session hash. */
    public static final String KEY_PREFIX = "stickylb:session:";

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);

    // Lua keeps "exists? then count and extend" atomic: a plain HINCRBY would resurrect an expired session.
    private static final String TOUCH = """
            if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
            local n = redis.call('HINCRBY', KEYS[1], 'requests', 1)
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            local f = redis.call('HMGET', KEYS[1], 'createdAt', 'createdBy')
            return {n, f[1] or '0', f[2] or '?'}
            """;

    private static final String CREATE = """
            if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
            redis.call('HSET', KEYS[1], 'requests', 1, 'createdAt', ARGV[1], 'createdBy', ARGV[2])
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            return 1
            """;

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisAsyncCommands<String, String> redis;
    private final String backendId;
    private final String ttlMillis;
    private final Clock clock;

    private RedisSessionStore(RedisClient client, StatefulRedisConnection<String, String> connection,
            String backendId, Duration ttl, Clock clock) {
        this.client = client;
        this.connection = connection;
        this.redis = connection.async();
        this.backendId = backendId;
        this.ttlMillis = Long.toString(ttl.toMillis());
        this.clock = clock;
    }

    /**
     * Connects to {@code uri} (e.g. {@code redis://127.0.0.1:6379}), waiting for the connection once here, outside
     * any event loop; throws {@link SessionStoreException} when Redis cannot be reached.
     */
    public static RedisSessionStore connect(String uri, String backendId, Duration ttl) {
        Objects.requireNonNull(backendId, "backendId");
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("session ttl must be positive: " + ttl);
        }
        RedisURI redisUri;
        try {
            redisUri = RedisURI.create(uri);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid redis URI '" + uri + "': " + e.getMessage(), e);
        }
        redisUri.setTimeout(COMMAND_TIMEOUT);
        RedisClient client = RedisClient.create(redisUri);
        // Fail commands at once while disconnected instead of queueing them: a request then gets a 503, not a hang.
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                .build());
        try {
            StatefulRedisConnection<String, String> connection = client.connect();
            return new RedisSessionStore(client, connection, backendId, ttl, Clock.systemUTC());
        } catch (RuntimeException e) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            throw new SessionStoreException("cannot connect to session store " + uri + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String kind() {
        return "redis";
    }

    @Override
    public CompletionStage<Optional<Session>> find(String id) {
        return redis.hgetall(KEY_PREFIX + id).thenApply(fields -> fields == null || fields.isEmpty()
                ? Optional.<Session>empty()
                : Optional.of(fromHash(id, fields)));
    }

    @Override
    public CompletionStage<Optional<Session>> touch(String id) {
        CompletionStage<List<Object>> reply = redis.eval(TOUCH, ScriptOutputType.MULTI,
                new String[] {KEY_PREFIX + id}, ttlMillis);
        return reply.thenApply(values -> values == null || values.size() < 3
                ? Optional.<Session>empty()
                : Optional.of(new Session(id, toLong(values.get(0)),
                        Instant.ofEpochMilli(toLong(values.get(1))), String.valueOf(values.get(2)))));
    }

    @Override
    public CompletionStage<Session> create() {
        String id = SessionIds.next();
        long now = clock.millis();
        CompletionStage<Long> created = redis.eval(CREATE, ScriptOutputType.INTEGER,
                new String[] {KEY_PREFIX + id}, Long.toString(now), backendId, ttlMillis);
        return created.thenCompose(ok -> ok != null && ok == 1L
                ? CompletableFuture.completedFuture(new Session(id, 1, Instant.ofEpochMilli(now), backendId))
                : create());
    }

    @Override
    public long activeSessions() {
        // Counting would mean a SCAN over the shared keyspace; not worth it for a stats field.
        return -1;
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    private static Session fromHash(String id, Map<String, String> fields) {
        return new Session(id, toLong(fields.get("requests")), Instant.ofEpochMilli(toLong(fields.get("createdAt"))),
                fields.getOrDefault("createdBy", "?"));
    }

    private static long toLong(Object value) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        try {
            return value == null ? 0 : Long.parseLong(value.toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
