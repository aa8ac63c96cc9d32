package io.stickylb.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A bounded soak: valid, slow and malformed clients together against three backends while one of them restarts.
 * Afterwards no connection is stuck, no request in flight, the heap is back near its baseline, and the leak detector
 * (PARANOID, checked after the class) has nothing to report. {@code -Dsoak.seconds=300} runs it longer by hand.
 */
class SoakTest {

    private static final long SECONDS = Long.getLong("soak.seconds", 8);

    private static long usedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void mixedClientsAndABackendRestartLeaveNothingBehind() throws Exception {
        List<FakeBackend> backends = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            backends.add(FakeBackend.ok("backend-" + i));
        }
        int restartPort = backends.get(2).port();
        LoadBalancer lb = new LoadBalancer(TestConfigs.roundRobin(backends.get(0).port(), backends.get(1).port(),
                restartPort)).start();
        long baseline = usedHeap();
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<?>> clients = new ArrayList<>();
        try {
            for (int t = 0; t < 4; t++) {
                int seed = t;
                clients.add(pool.submit(() -> validClient(lb.port(), end, seed, ok, failed)));
            }
            clients.add(pool.submit(() -> slowAndMalformedClient(lb.port(), end)));
            clients.add(pool.submit(() -> {
                restartLoop(backends, restartPort, end);
                return null;
            }));
            for (Future<?> f : clients) {
                f.get(SECONDS + 60, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> lb.runtime().activeExchanges() == 0);
            await().atMost(Duration.ofSeconds(10)).until(() -> lb.clientConnections() == 0);
            System.out.printf("soak: %d ok, %d failed in %ds%n", ok.get(), failed.get(), SECONDS);
            assertThat(ok.get()).isGreaterThan(100);
            // Only requests caught on the restarting backend may fail; the rest are retried or pooled cleanly.
            assertThat(failed.get()).isLessThan(Math.max(10, ok.get() / 50));
            try (RawHttp c = new RawHttp(lb.port())) {
                assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(200);
            }
            long after = usedHeap();
            assertThat(after).as("heap after soak vs baseline %d", baseline).isLessThan(baseline + (32L << 20));
        } finally {
            pool.shutdownNow();
            lb.close(Duration.ofSeconds(2));
            for (FakeBackend b : backends) {
                b.close();
            }
        }
    }

    private static Void validClient(int port, long end, int seed, AtomicLong ok, AtomicLong failed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        while (System.nanoTime() < end) {
            try (RawHttp c = new RawHttp(port)) {
                int n = 1 + rnd.nextInt(50);
                for (int i = 0; i < n && System.nanoTime() < end; i++) {
                    RawHttp.Response r = rnd.nextBoolean()
                            ? c.send("GET /x HTTP/1.1\r\nHost: h\r\n\r\n").read()
                            : c.send("POST /y HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello").read();
                    if (r != null && r.status() == 200) {
                        ok.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                        break;
                    }
                }
            } catch (IOException e) {
                failed.incrementAndGet();
            }
        }
        return null;
    }

    private static Void slowAndMalformedClient(int port, long end) {
        SplittableRandom rnd = new SplittableRandom(99);
        while (System.nanoTime() < end) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(15_000);
                OutputStream out = s.getOutputStream();
                byte[] raw = RequestFuzzTest.mutate(rnd);
                if (rnd.nextInt(4) == 0) {
                    // Drip the bytes slowly, then give up half way.
                    for (int i = 0; i < Math.min(raw.length, 20); i++) {
                        out.write(raw[i]);
                        out.flush();
                        Thread.sleep(5);
                    }
                } else {
                    out.write(raw);
                    s.shutdownOutput();
                    InputStream in = s.getInputStream();
                    in.readAllBytes();
                }
            } catch (IOException e) {
                // resets are expected
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    private static void restartLoop(List<FakeBackend> backends, int port, long end) throws Exception {
        while (System.nanoTime() < end) {
            Thread.sleep(1500);
            backends.get(2).close();
            Thread.sleep(300);
            backends.set(2, new FakeBackend((req, out, sock) -> {
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nbackend-2".getBytes(StandardCharsets.US_ASCII));
                return true;
            }, false, port));
        }
    }
}
