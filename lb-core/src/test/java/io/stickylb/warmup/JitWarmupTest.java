package io.stickylb.warmup;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.stickylb.config.AccessLogConfig;
import io.stickylb.config.Endpoint;
import io.stickylb.config.LimitsConfig;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.PassiveHealthConfig;
import io.stickylb.config.PoolConfig;
import io.stickylb.config.RouteConfig;
import io.stickylb.config.TimeoutConfig;
import io.stickylb.metrics.ProxyMetrics;
import io.stickylb.metrics.ProxyMetricsTest;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongPredicate;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class JitWarmupTest {

    @Test
    void itServesItsOwnTrafficWithEveryRareEventAndLeavesNoThreadBehind() {
        JitWarmup.Result r = new JitWarmup(Duration.ofSeconds(30), 6_000).run();

        assertThat(r.failure()).isNull();
        assertThat(r.requests()).isBetween(6_000L, 6_000L + JitWarmup.CLIENTS);
        assertThat(r.resets()).isPositive();
        assertThat(r.earlyCloses()).isPositive();
        assertThat(r.clientCloses()).isPositive();
        assertThat(r.clientResets()).isPositive();
        assertThat(r.races()).isPositive();
        assertThat(r.idlePulses()).isPositive();
        await().atMost(Duration.ofSeconds(10)).until(JitWarmupTest::noWarmupThreads);
    }

    @Test
    void itsIdleMomentsTurnTheMirrorsLatencyWindowByOneBucketByTwoAndByAllOfIt() {
        long window = MirrorConfig.TIMER.toMillis();
        int buckets = ProxyMetrics.LATENCY_MAX_BUCKETS;
        // A lull of g ms turns floor(g / (window / buckets)) buckets, all of them once g >= window.
        LongPredicate oneBucket = g -> g * buckets >= window && g * buckets < 2 * window;
        LongPredicate twoBuckets = g -> g * buckets >= 2 * window && g < window;
        LongPredicate whole = g -> g > window;

        List<Long> pulses = LongStream.range(0, 50).map(JitWarmup::pulseIdleMillis).boxed().toList();
        assertThat(pulses).anyMatch(twoBuckets::test).anyMatch(whole::test);
        // Most idle moments stay a few milliseconds: the long ones are two in 25.
        assertThat(pulses.stream().filter(g -> g * buckets >= window)).hasSize(4);

        // The trickle, beside real traffic, waits one bucket, two and the whole window in turn.
        List<Long> gaps = LongStream.range(0, 3).map(Trickle::gapMillis).boxed().toList();
        assertThat(gaps).anyMatch(oneBucket::test).anyMatch(twoBuckets::test).anyMatch(whole::test);
    }

    @Test
    void aRunningProxyAndItsBackendsSeeNoneOfIt() throws Exception {
        WireMockServer backend = realBackend();
        LoadBalancer lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
        try {
            JitWarmup.Result r = new JitWarmup(Duration.ofSeconds(30), 2_000).run();
            assertThat(r.requests()).isGreaterThanOrEqualTo(2_000);

            backend.verify(0, anyRequestedFor(anyUrl()));
            assertThat(lb.clientConnections()).isZero();
            assertThat(lb.scrapeMetrics()).doesNotContain("warmup");

            HttpResponse<String> real = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lb.port() + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(real.body()).isEqualTo("real");
            backend.verify(1, anyRequestedFor(anyUrl()));
        } finally {
            lb.close();
            backend.stop();
        }
    }

    @Test
    void warmingARunningInstanceMirrorsItsRoutesAndPoolsOnItsOwnLoopsAndLeavesThemServing() throws Exception {
        WireMockServer shop = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        WireMockServer api = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        shop.start();
        api.start();
        shop.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("shop")));
        api.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("api")));
        // Only requests for shop.example.com or under /api have a route: the warm-up must send both to be answered.
        PoolConfig cookiePool = PoolConfig.of("shop", "cookie", List.of(TestConfigs.backend("s1", shop.port()),
                TestConfigs.backend("s2", shop.port())));
        PoolConfig apiPool = PoolConfig.of("api", "round-robin", List.of(TestConfigs.backend("a1", api.port())));
        LoadBalancerConfig config = new LoadBalancerConfig(null, new Endpoint("127.0.0.1", 0), 2,
                Map.of("shop", cookiePool, "api", apiPool),
                List.of(new RouteConfig("shop.example.com", "/", "shop"), new RouteConfig("*", "/api", "api")),
                List.of(), null, AccessLogConfig.OFF, null, Duration.ofSeconds(5));
        LoadBalancer lb = new LoadBalancer(config).start();
        AtomicInteger mostWorkerThreads = new AtomicInteger();
        AtomicBoolean warming = new AtomicBoolean(true);
        Thread sampler = Quietly.daemon("test-thread-sampler", () -> {
            while (warming.get()) {
                mostWorkerThreads.accumulateAndGet(workerThreads(), Math::max);
                Quietly.sleepMillis(20);
            }
        });
        try {
            sampler.start();
            JitWarmup.Result r = new JitWarmup(Duration.ofSeconds(60), 4_000, lb).run();
            warming.set(false);
            sampler.join();

            assertThat(r.failure()).isNull();
            assertThat(r.requests()).isGreaterThanOrEqualTo(4_000);
            assertThat(r.bursts()).isPositive();
            // Routed (the responder answered, not the proxy's own 404) and sticky (the browsers returned cookies).
            assertThat(r.backendRequests()).isGreaterThanOrEqualTo(r.requests());
            assertThat(r.cookieRequests()).isPositive();
            // Sticky API clients return the shop's affinity cookie on their bare GETs: one target in three is the
            // shop's, and 13 shapes in 16 are bare GETs, so about a quarter of all requests.
            assertThat(r.affinityCookieRequests()).isGreaterThan(r.requests() / 6);
            assertThat(mostWorkerThreads.get()).as("event-loop threads while warming (the instance has 2)")
                    .isLessThanOrEqualTo(2);
            shop.verify(0, anyRequestedFor(anyUrl()));
            api.verify(0, anyRequestedFor(anyUrl()));
            assertThat(lb.clientConnections()).isZero();

            HttpClient client = HttpClient.newHttpClient();
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> real = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + lb.port() + "/api/x")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(real.body()).isEqualTo("api");
            }
            api.verify(4, anyRequestedFor(anyUrl()));
        } finally {
            warming.set(false);
            lb.close();
            shop.stop();
            api.stop();
        }
    }

    @Test
    void itsBurstsStayWithinTheMirroredConnectionLimit() throws Exception {
        try (WarmupResponder backend = new WarmupResponder(List.of())) {
            LoadBalancerConfig config = TestConfigs.roundRobin(backend.port())
                    .withLimits(new LimitsConfig(LimitsConfig.DEFAULTS.maxRequestLine(),
                            LimitsConfig.DEFAULTS.maxHeaderSize(), LimitsConfig.DEFAULTS.maxHeaderCount(),
                            LimitsConfig.DEFAULTS.maxBodySize(), LimitsConfig.DEFAULTS.headerTimeout(),
                            LimitsConfig.DEFAULTS.clientIdleTimeout(), 30,
                            LimitsConfig.DEFAULTS.maxPendingPerBackend()));
            LoadBalancer lb = new LoadBalancer(config).start();
            try {
                JitWarmup.Result r = new JitWarmup(Duration.ofSeconds(30), 1_000, lb).run();

                assertThat(r.failure()).isNull();
                assertThat(r.bursts()).isPositive();
                // A connection over the limit would be answered 503 by the proxy itself, not by the responder.
                assertThat(r.backendRequests()).isGreaterThanOrEqualTo(r.requests());
                // Round robin has no affinity cookie: its bare GETs stay bare, as a benchmark's are.
                assertThat(r.affinityCookieRequests()).isZero();
            } finally {
                lb.close();
            }
        }
    }

    @Test
    void itGivesWayWhenRealTrafficArrivesButNotForAProbe() throws Exception {
        try (WarmupResponder backend = new WarmupResponder(List.of())) {
            LoadBalancer lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpRequest get = rootOf(lb);
            JitWarmup warmup = new JitWarmup(Duration.ofSeconds(60), Long.MAX_VALUE, lb, Duration.ofMillis(100));
            CompletableFuture<JitWarmup.Result> running = CompletableFuture.supplyAsync(warmup::run);
            List<Thread> load = new ArrayList<>();
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
                        .anyMatch(t -> t.getName().startsWith("stickylb-warmup-client")));
                // A probe a few times a second is not traffic.
                for (int i = 0; i < 5; i++) {
                    assertThat(client.send(get, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
                    Quietly.sleepMillis(200);
                }
                assertThat(running).isNotDone();

                load.addAll(startLoad(4, client, get, running::isDone, new AtomicLong()));
                JitWarmup.Result r = running.get(30, TimeUnit.SECONDS);

                assertThat(r.failure()).isNull();
                assertThat(r.yieldedToTraffic()).isTrue();
                assertThat(r.compilerQuiet()).isFalse();
                assertThat(r.took()).isLessThan(Duration.ofSeconds(30));
            } finally {
                warmup.stop();
                for (Thread t : load) {
                    t.join(10_000);
                }
                lb.close();
            }
        }
    }

    @Test
    void afterGivingWayItKeepsItsRareEventsGoingBesideTheTrafficForTheTrickleOnly() throws Exception {
        WireMockServer backend = realBackend();
        LoadBalancer lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest get = rootOf(lb);
        Duration trickle = Duration.ofSeconds(2);
        JitWarmup warmup = new JitWarmup(Duration.ofSeconds(60), Long.MAX_VALUE, lb, trickle);
        AtomicLong warmAt = new AtomicLong();
        CompletableFuture<JitWarmup.Result> running =
                CompletableFuture.supplyAsync(() -> warmup.run(() -> warmAt.set(System.nanoTime())));
        AtomicLong answered = new AtomicLong();
        List<Thread> load = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                load.add(Quietly.daemon("test-load-" + i, () -> {
                    while (!running.isDone()) {
                        try {
                            if (client.send(get, HttpResponse.BodyHandlers.ofString()).body().equals("real")) {
                                answered.incrementAndGet();
                            }
                        } catch (Exception e) {
                            return;
                        }
                    }
                }));
            }
            load.forEach(Thread::start);
            JitWarmup.Result r = running.get(60, TimeUnit.SECONDS);
            long doneAt = System.nanoTime();
            for (Thread t : load) {
                t.join(10_000);
            }

            assertThat(r.failure()).isNull();
            assertThat(r.yieldedToTraffic()).isTrue();
            // One event every 20 to 66 ms (Trickle.gapMillis), each taking a millisecond or two of its own.
            assertThat(r.trickled()).isBetween(20L, trickle.toMillis() / Trickle.EVERY_MILLIS + 1);
            // Among them resets raced against their answers, with the loops held (traffic that arrives with the
            // proxy leaves the warm-up proper no time for its own): one per Trickle.RACE_EVERY events, from the third.
            assertThat(r.trickleRaces()).isBetween(1L, r.trickled() / Trickle.RACE_EVERY + 1);
            assertThat(r.races()).isGreaterThanOrEqualTo(r.trickleRaces());
            // The heap is settled (whenWarm) as soon as the warm-up proper is over, not after the trickle.
            assertThat(warmAt.get()).isPositive();
            assertThat(Duration.ofNanos(doneAt - warmAt.get())).isGreaterThanOrEqualTo(trickle);
            // The trickle went to the private responder: the real backend saw the real traffic and nothing else.
            assertThat(answered.get()).isPositive();
            backend.verify((int) answered.get(), anyRequestedFor(anyUrl()));
        } finally {
            warmup.stop();
            lb.close();
            backend.stop();
        }
    }

    @Test
    void inALullAfterRealTrafficItDrillsNewConnectionsThroughTheMirrorOnly() throws Exception {
        WireMockServer backend = realBackend();
        LoadBalancer lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest get = rootOf(lb);
        Duration trickle = Duration.ofMillis(200);
        JitWarmup warmup = new JitWarmup(Duration.ofSeconds(60), Long.MAX_VALUE, lb, trickle, Duration.ofSeconds(4),
                Duration.ofMillis(300));
        Started running = Started.of(warmup);
        AtomicBoolean warm = running.warm();
        try {
            long answered = busySpellPastTheTrickle(client, get, running, trickle, "real");
            assertThat(warm).as("warm-up over, given way to traffic").isTrue();

            // Then the lull: one drill, then nothing until the drills' four seconds are over.
            JitWarmup.Result r = running.result().get(60, TimeUnit.SECONDS);

            assertThat(r.failure()).isNull();
            assertThat(r.yieldedToTraffic()).isTrue();
            assertThat(r.drills()).isEqualTo(1);
            // After its connections, resets raced against their answers,
            assertThat(r.drillRaces()).isPositive();
            assertThat(r.races()).isGreaterThanOrEqualTo(r.drillRaces());
            // and then keep-alive requests until the compiler was quiet.
            assertThat(r.drillRequests()).isBetween(1L, IdleDrills.SETTLE_REQUESTS + 100);
            // Whole bursts up to the count; on a starved machine a burst may count fewer answers than sockets.
            assertThat(r.drillConnections()).isBetween((long) IdleDrills.CONNECTIONS,
                    (long) IdleDrills.CONNECTIONS + JitWarmup.BURST_CONNECTIONS);
            // Every drill connection went to the private responder: the backend saw the real requests only.
            backend.verify((int) answered, anyRequestedFor(anyUrl()));
            assertThat(noWarmupThreads()).isTrue();
            assertThat(client.send(get, HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("real");
        } finally {
            warmup.stop();
            lb.close();
            backend.stop();
        }
    }

    @Test
    void trafficThatReturnsDuringADrillsConnectionsSparesTheCompiledCodeItsRacesWouldThrowAway() throws Exception {
        try (WarmupResponder backend = new WarmupResponder(List.of())) {
            LoadBalancer lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpRequest get = rootOf(lb);
            Duration trickle = Duration.ofMillis(200);
            JitWarmup warmup = new JitWarmup(Duration.ofSeconds(60), Long.MAX_VALUE, lb, trickle,
                    Duration.ofSeconds(5), Duration.ofMillis(300));
            Started running = Started.of(warmup);
            try {
                busySpellPastTheTrickle(client, get, running, trickle, null);
                assertThat(running.warm()).as("warm-up over, given way to traffic").isTrue();
                // The lull; the drill's first burst opens a hundred sockets at once (the trickle opens one at a time).
                long before = openDescriptors();
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(1))
                        .until(() -> openDescriptors() > before + JitWarmup.BURST_CONNECTIONS / 2);
                // A real request (the responder answers its own mix of statuses, 404 among them).
                assertThat(client.send(get, HttpResponse.BodyHandlers.discarding()).statusCode()).isLessThan(500);

                JitWarmup.Result r = running.result().get(60, TimeUnit.SECONDS);

                assertThat(r.failure()).isNull();
                assertThat(r.drills()).isEqualTo(1);
                assertThat(r.drillConnections()).isPositive().isLessThan(IdleDrills.CONNECTIONS);
                // Cut short before its races: nothing thrown away, so nothing to settle either.
                assertThat(r.drillRaces()).isZero();
                assertThat(r.drillRequests()).isZero();
            } finally {
                warmup.stop();
                lb.close();
            }
        }
    }

    /**
     * Real traffic until the warm-up has given way to it, and on past its trickle: one busy spell. Returns the answers
     * whose body is {@code body} (null: every answer).
     */
    private static long busySpellPastTheTrickle(HttpClient client, HttpRequest get, Started running, Duration trickle,
                                                String body) throws Exception {
        long answered = 0;
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long spellEnd = Long.MAX_VALUE;
        while (System.nanoTime() < Math.min(spellEnd, giveUp)) {
            String got = client.send(get, HttpResponse.BodyHandlers.ofString()).body();
            if (body == null || body.equals(got)) {
                answered++;
            }
            if (running.warm().get() && spellEnd == Long.MAX_VALUE) {
                spellEnd = System.nanoTime() + trickle.toNanos() + TimeUnit.MILLISECONDS.toNanos(300);
            }
        }
        return answered;
    }

    /** This JVM's open file descriptors (Linux), sockets among them. */
    private static long openDescriptors() throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void itNeverDrillsWhileRealTrafficFlowsAndStopEndsTheDrillsToo() throws Exception {
        try (WarmupResponder backend = new WarmupResponder(List.of())) {
            LoadBalancer lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpRequest get = rootOf(lb);
            JitWarmup warmup = new JitWarmup(Duration.ofSeconds(60), Long.MAX_VALUE, lb, Duration.ofMillis(200),
                    Duration.ofMinutes(10), Duration.ofMillis(300));
            Started running = Started.of(warmup);
            AtomicBoolean warm = running.warm();
            AtomicBoolean done = new AtomicBoolean();
            List<Thread> load = startLoad(2, client, get, done::get, new AtomicLong());
            try {
                long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!warm.get() && System.nanoTime() < giveUp) {
                    Quietly.sleepMillis(10);
                }
                assertThat(warm).as("warm-up over, given way to traffic").isTrue();
                // Past the trickle, with no lull: the drills wait.
                Quietly.sleepMillis(1_500);
                assertThat(running.result()).isNotDone();

                warmup.stop();

                JitWarmup.Result r = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> running.result().get());
                assertThat(r.drills()).isZero();
                assertThat(r.drillConnections()).isZero();
            } finally {
                done.set(true);
                for (Thread t : load) {
                    t.join(10_000);
                }
                warmup.stop();
                lb.close();
            }
        }
    }

    @Test
    void stopEndsTheTrickleToo() throws Exception {
        try (WarmupResponder backend = new WarmupResponder(List.of())) {
            LoadBalancer lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpRequest get = rootOf(lb);
            JitWarmup warmup = new JitWarmup(Duration.ofSeconds(60), Long.MAX_VALUE, lb, Duration.ofMinutes(10));
            Started started = Started.of(warmup);
            AtomicBoolean warm = started.warm();
            CompletableFuture<JitWarmup.Result> running = started.result();
            try {
                sendUntil(client, get, () -> warm.get() || running.isDone());
                assertThat(warm).as("warm-up over, given way to traffic").isTrue();
                Quietly.sleepMillis(500);
                assertThat(running).isNotDone();

                warmup.stop();

                JitWarmup.Result r = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> running.get());
                assertThat(r.yieldedToTraffic()).isTrue();
                assertThat(r.trickled()).isPositive();
                assertThat(warmup.stopped()).isTrue();
            } finally {
                warmup.stop();
                lb.close();
            }
        }
    }

    @Test
    void theTrickleEndsWithTheWarmupsTimeBudget() throws Exception {
        try (WarmupResponder backend = new WarmupResponder(List.of())) {
            LoadBalancer lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpRequest get = rootOf(lb);
            JitWarmup warmup = new JitWarmup(Duration.ofSeconds(5), Long.MAX_VALUE, lb, Duration.ofMinutes(10));
            long start = System.nanoTime();
            CompletableFuture<JitWarmup.Result> running = CompletableFuture.supplyAsync(warmup::run);
            try {
                sendUntil(client, get, running::isDone);
                JitWarmup.Result r = running.get(1, TimeUnit.SECONDS);

                assertThat(r.yieldedToTraffic()).isTrue();
                // A ten-minute trickle cut to the five-second budget (the bound is loose: CI machines are slow).
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
            } finally {
                warmup.stop();
                lb.close();
            }
        }
    }

    @Test
    void theMirrorCutsItsTimeoutsToMillisecondsAndKeepsTheRest() {
        TimeoutConfig own = new TimeoutConfig(Duration.ofSeconds(3), Duration.ofSeconds(30), Duration.ofSeconds(60),
                Duration.ofHours(2));
        LoadBalancerConfig real = TestConfigs.roundRobin(1111, 2222);
        PoolConfig app = real.pools().get("app").withTimeouts(own);
        real = real.withPools(Map.of("app", app));

        LoadBalancerConfig mirror = MirrorConfig.of(real, 3333);

        PoolConfig mirrored = mirror.pools().get("app");
        assertThat(mirrored.timeouts()).isEqualTo(new TimeoutConfig(Duration.ofSeconds(3), MirrorConfig.TIMER,
                MirrorConfig.TIMER, Duration.ofHours(2)));
        assertThat(mirrored.backends()).extracting(b -> b.address().port()).containsOnly(3333);
        assertThat(mirrored.strategy()).isEqualTo(app.strategy());
        assertThat(mirror.limits()).isEqualTo(real.limits());
        assertThat(mirror.routes()).isEqualTo(real.routes());
        // Passive checks run as configured, but the private instance never ejects (nor warns) under real names.
        PassiveHealthConfig passive = app.health().passive();
        assertThat(mirrored.health().passive()).isEqualTo(new PassiveHealthConfig(passive.enabled(),
                MirrorConfig.CONSECUTIVE_FAILURES, passive.ejectionTime(), passive.maxEjectionTime(),
                passive.maxEjectionPercent(), passive.failOn5xx()));
        assertThat(mirrored.health().active()).isNull();
        // The request path it compiles is the real one: with or without the forwarding headers, as configured.
        assertThat(mirror.forwardedHeaders()).isTrue();
        assertThat(MirrorConfig.of(real.withForwardedHeaders(false), 3333).forwardedHeaders()).isFalse();
    }

    @Test
    void trafficAlreadyFlowingEndsTheWarmupBeforeAllItsBursts() throws Exception {
        try (WarmupResponder backend = new WarmupResponder(List.of())) {
            LoadBalancer lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpRequest get = rootOf(lb);
            AtomicBoolean done = new AtomicBoolean();
            AtomicLong answered = new AtomicLong();
            List<Thread> load = startLoad(4, client, get, done::get, answered);
            JitWarmup warmup = new JitWarmup(Duration.ofSeconds(60), Long.MAX_VALUE, lb, Duration.ofMillis(100));
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> answered.get() > 100);
                JitWarmup.Result r = warmup.run();

                assertThat(r.failure()).isNull();
                assertThat(r.yieldedToTraffic()).isTrue();
                // It looks before every burst, so the traffic no longer waits for all three (one, normally; a second
                // only when a slow host's traffic stayed below the yield rate during the first).
                assertThat(r.bursts()).isLessThan(3);
            } finally {
                warmup.stop();
                done.set(true);
                for (Thread t : load) {
                    t.join(10_000);
                }
                lb.close();
            }
        }
    }

    @Test
    void aShortLatencyWindowForgetsItsMaximumInMilliseconds() throws Exception {
        WireMockServer backend = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        backend.start();
        backend.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withFixedDelay(30)));
        LoadBalancer quick = new LoadBalancer(TestConfigs.roundRobin(backend.port()),
                new ProxyMetrics(Duration.ofSeconds(3))).start();
        LoadBalancer usual = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
        try {
            HttpClient client = HttpClient.newHttpClient();
            for (LoadBalancer lb : List.of(quick, usual)) {
                // A first scrape loads the exposition's classes, which on a cold JVM can outlast the short window.
                assertThat(latencyMax(lb)).isZero();
                client.send(rootOf(lb), HttpResponse.BodyHandlers.discarding());
                // The latency is recorded once the response has been passed on, so it may land just after it arrives.
                await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                        .until(() -> latencyMax(lb) >= 0.03);
            }

            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .until(() -> latencyMax(quick) == 0);
            assertThat(latencyMax(usual)).isGreaterThanOrEqualTo(0.03);
        } finally {
            quick.close();
            usual.close();
            backend.stop();
        }
    }

    @Test
    void stopEndsItEarlyAndStopBeforeRunMeansNoTraffic() {
        JitWarmup long30s = new JitWarmup(Duration.ofSeconds(30), Long.MAX_VALUE);
        CompletableFuture<JitWarmup.Result> running = CompletableFuture.supplyAsync(long30s::run);
        await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("stickylb-warmup-client")));

        long30s.stop();

        JitWarmup.Result r = assertTimeoutPreemptively(Duration.ofSeconds(15), () -> running.get());
        assertThat(r.failure()).isNull();
        assertThat(r.took()).isLessThan(Duration.ofSeconds(30));

        JitWarmup stoppedFirst = new JitWarmup(Duration.ofSeconds(30), Long.MAX_VALUE);
        stoppedFirst.stop();
        assertThat(stoppedFirst.run().requests()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(JitWarmupTest::noWarmupThreads);
    }

    @Test
    void aNegativeBudgetIsRefused() {
        assertThatThrownBy(() -> new JitWarmup(Duration.ofSeconds(-1), 10))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new JitWarmup(Duration.ofSeconds(1), -1)).isInstanceOf(IllegalArgumentException.class);
    }

    /** A warm-up run on another thread, and whether its warm-up proper is over ({@code whenWarm} ran). */
    private record Started(CompletableFuture<JitWarmup.Result> result, AtomicBoolean warm) {
        static Started of(JitWarmup warmup) {
            AtomicBoolean warm = new AtomicBoolean();
            return new Started(CompletableFuture.supplyAsync(() -> warmup.run(() -> warm.set(true))), warm);
        }
    }

    /** A started backend answering every request with the body {@code real}, which the warm-up's never carry. */
    private static WireMockServer realBackend() {
        WireMockServer backend = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        backend.start();
        backend.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("real")));
        return backend;
    }

    private static HttpRequest rootOf(LoadBalancer lb) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lb.port() + "/")).build();
    }

    /** {@code threads} started daemon threads sending {@code get} until {@code done}, counting the answers. */
    private static List<Thread> startLoad(int threads, HttpClient client, HttpRequest get, BooleanSupplier done,
                                          AtomicLong answered) {
        List<Thread> load = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            load.add(Quietly.daemon("test-load-" + i, () -> {
                while (!done.getAsBoolean()) {
                    try {
                        client.send(get, HttpResponse.BodyHandlers.discarding());
                        answered.incrementAndGet();
                    } catch (Exception e) {
                        return;
                    }
                }
            }));
        }
        load.forEach(Thread::start);
        return load;
    }

    /** Sends {@code get} one request after another until {@code done}, for a minute at most. */
    private static void sendUntil(HttpClient client, HttpRequest get, BooleanSupplier done) throws Exception {
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!done.getAsBoolean() && System.nanoTime() < giveUp) {
            client.send(get, HttpResponse.BodyHandlers.discarding());
        }
    }

    private static double latencyMax(LoadBalancer lb) {
        return ProxyMetricsTest.parse(lb.scrapeMetrics()).entrySet().stream()
                .filter(e -> e.getKey().startsWith("stickylb_backend_latency_seconds_max{"))
                .mapToDouble(Map.Entry::getValue).max().orElseThrow();
    }

    private static int workerThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("stickylb-worker")).count();
    }

    private static boolean noWarmupThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.isAlive() && t.getName().startsWith("stickylb-warmup"));
    }
}
