package io.stickylb.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stickylb.backend.Backend;
import io.stickylb.metrics.ErrorKind;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.TestConfigs;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Clients that reset their connections mid-upload and mid-download, many at once, next to well-behaved keep-alive
 * clients, on the default transport (epoll on Linux). A peer connection closed in the middle of the event loop's
 * I/O batch freed its descriptor number for a connection opened later in that batch, which then received the old
 * one's pending event: connects to healthy backends failed and keep-alive clients were closed after their answer.
 */
class ClientResetStormTest {

    private static final long MILLIS = Long.getLong("storm.millis", 5000);
    private static final int RESETTERS = 40;
    private static final int KEEPERS = 20;
    private static final int BIG = 1 << 20;
    private static final byte[] BIG_BODY = new byte[BIG];
    private static final byte[] CHUNK = new byte[16 * 1024];

    @Test
    void resetsMidTransferLeaveHealthyBackendsAndOtherClientsAlone() throws Exception {
        FakeBackend b1 = backend("one");
        FakeBackend b2 = backend("two");
        LoadBalancer lb = new LoadBalancer(TestConfigs.roundRobin(b1.port(), b2.port())).start();
        ExecutorService threads = Executors.newFixedThreadPool(RESETTERS + KEEPERS);
        AtomicLong answered = new AtomicLong();
        AtomicLong resets = new AtomicLong();
        Queue<String> keeperFailures = new ConcurrentLinkedQueue<>();
        try {
            System.out.println("transport: " + lb.transport().displayName());
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MILLIS);
            List<Future<?>> clients = new ArrayList<>();
            for (int i = 0; i < RESETTERS; i++) {
                int seed = i;
                clients.add(threads.submit(() -> resetter(lb.port(), end, seed, resets)));
            }
            for (int i = 0; i < KEEPERS; i++) {
                int seed = 1000 + i;
                clients.add(threads.submit(() -> keeper(lb.port(), end, seed, answered, keeperFailures)));
            }
            for (Future<?> f : clients) {
                f.get(MILLIS + 60_000, TimeUnit.MILLISECONDS);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> lb.runtime().activeExchanges() == 0);
            long connectErrors = 0;
            for (Backend b : lb.upstreams().allBackends()) {
                connectErrors += b.stats().errors(ErrorKind.CONNECT);
            }
            System.out.printf("reset storm on %s: %d keep-alive answers, %d resets, %d connect errors, %d keep-alive "
                            + "failures%n", lb.transport().displayName(), answered.get(), resets.get(), connectErrors,
                    keeperFailures.size());
            assertThat(answered.get()).isGreaterThan(100);
            assertThat(resets.get()).isGreaterThan(100);
            assertThat(connectErrors).as("connect errors against healthy backends").isZero();
            assertThat(keeperFailures).as("keep-alive clients that lost a request or their connection").isEmpty();
        } finally {
            threads.shutdownNow();
            threads.awaitTermination(10, TimeUnit.SECONDS);
            lb.close(Duration.ofSeconds(2));
            b1.close();
            b2.close();
        }
    }

    /** Small answers for the keep-alive clients, 1 MiB for GET /big; uploads are counted, not kept. */
    private static FakeBackend backend(String name) throws IOException {
        byte[] small = ("HTTP/1.1 200 OK\r\nContent-Length: " + name.length() + "\r\n\r\n" + name)
                .getBytes(StandardCharsets.ISO_8859_1);
        byte[] bigHead = ("HTTP/1.1 200 OK\r\nContent-Length: " + BIG + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        return new FakeBackend((req, out, s) -> {
            if (req.requestLine().startsWith("GET /big ")) {
                out.write(bigHead);
                out.write(BIG_BODY);
            } else {
                out.write(small);
            }
            return true;
        }, true);
    }

    /** Sends a big upload or asks for a big answer, and resets the connection part way (SO_LINGER 0). */
    private static Void resetter(int port, long end, int seed, AtomicLong resets) {
        SplittableRandom rnd = new SplittableRandom(seed);
        while (System.nanoTime() < end) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoLinger(true, 0);
                s.setSoTimeout(5000);
                OutputStream out = s.getOutputStream();
                if (rnd.nextBoolean()) {
                    out.write(("POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: " + 4 * BIG + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    int chunks = 1 + rnd.nextInt(16);
                    for (int i = 0; i < chunks; i++) {
                        out.write(CHUNK);
                    }
                } else {
                    out.write("GET /big HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    InputStream in = s.getInputStream();
                    long want = 1 + rnd.nextInt(BIG / 2);
                    byte[] buf = new byte[16 * 1024];
                    int n;
                    while (want > 0 && (n = in.read(buf)) > 0) {
                        want -= n;
                    }
                }
                resets.incrementAndGet();
            } catch (IOException e) {
                // the proxy may answer an unfinished upload and close first
            }
        }
        return null;
    }

    /**
     * Keep-alive connections, new ones often (accepted in the same loop turns as the resets), whose every request
     * must be answered 200 with the connection staying open.
     */
    private static Void keeper(int port, long end, int seed, AtomicLong answered, Queue<String> failures) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] request = "GET /small HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        while (System.nanoTime() < end) {
            int done = 0;
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                InputStream in = new BufferedInputStream(s.getInputStream());
                int requests = 1 + rnd.nextInt(10);
                for (int i = 0; i < requests && System.nanoTime() < end; i++) {
                    out.write(request);
                    out.flush();
                    String failure = readSmallAnswer(in);
                    if (failure != null) {
                        failures.add("request " + (done + 1) + " on a connection: " + failure);
                        break;
                    }
                    done++;
                    answered.incrementAndGet();
                }
            } catch (IOException e) {
                failures.add("request " + (done + 1) + " on a connection: " + e);
            }
        }
        return null;
    }

    /** Null when a 200 with a body of "one" or "two" and no Connection: close came; otherwise what went wrong. */
    private static String readSmallAnswer(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int c;
        while (!head.toString().endsWith("\r\n\r\n")) {
            if ((c = in.read()) < 0) {
                return "connection closed after " + head.length() + " bytes of the answer's head";
            }
            head.append((char) c);
        }
        String h = head.toString();
        if (!h.startsWith("HTTP/1.1 200 ")) {
            return "answer " + h.lines().findFirst().orElse("");
        }
        if (h.toLowerCase(Locale.ROOT).contains("connection: close")) {
            return "answer closes the connection";
        }
        byte[] body = in.readNBytes(3);
        String text = new String(body, StandardCharsets.ISO_8859_1);
        return text.equals("one") || text.equals("two") ? null : "body '" + text + "'";
    }
}
