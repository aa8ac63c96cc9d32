package io.stickylb.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.channel.DefaultChannelPipeline;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Feeds seeded mutations of valid requests to a live proxy. Whatever the bytes, no exception may reach the end of a
 * pipeline, every connection ends (nothing half-open), the proxy keeps serving, and everything a backend receives is
 * a well-formed request.
 */
class RequestFuzzTest {

    private static final int CASES = 400;
    private static final Pattern REQUEST_LINE = Pattern.compile("[A-Z]+ (/[\\x21-\\x7e]*|\\*) HTTP/1\\.1");
    /** RFC 9110 §5.5: a token name, then visible characters, spaces, tabs and obs-text (0x80-0xFF). */
    private static final Pattern HEADER = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+: ?[\\x20-\\x7e\\x80-\\xff\\t]*");
    private static final String[] SEEDS = {
        "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nCookie: LB_ROUTE=x; JSESSIONID=y\r\n\r\n",
        "POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\nContent-Type: text/plain\r\n\r\nhello world",
        "PUT /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
                + "6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\n",
        "GET / HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\n\r\n",
        "GET /one HTTP/1.1\r\nHost: h\r\n\r\nGET /two HTTP/1.1\r\nHost: h\r\n\r\n",
    };
    private static final String[] INSERTS = {"\r", "\n", "\r\n", " ", "\t", ":", "\0", ",", "Content-Length: 5\r\n",
        "Transfer-Encoding: chunked\r\n", "Host: other\r\n", "\u0001", "0\r\n\r\n", "ffffffffffffffff\r\n", "-1", "%"};

    private FakeBackend backend;
    private LoadBalancer lb;
    private ListAppender<ILoggingEvent> pipelineLog;

    @BeforeEach
    void start() throws IOException {
        backend = FakeBackend.ok("ok");
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
        pipelineLog = new ListAppender<>();
        pipelineLog.start();
        ((Logger) LoggerFactory.getLogger(DefaultChannelPipeline.class)).addAppender(pipelineLog);
    }

    @AfterEach
    void stop() throws IOException {
        ((Logger) LoggerFactory.getLogger(DefaultChannelPipeline.class)).detachAppender(pipelineLog);
        lb.close(Duration.ofSeconds(1));
        backend.close();
    }

    static byte[] mutate(SplittableRandom rnd) {
        StringBuilder s = new StringBuilder(SEEDS[rnd.nextInt(SEEDS.length)]);
        int mutations = 1 + rnd.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            int pos = rnd.nextInt(s.length() + 1);
            switch (rnd.nextInt(5)) {
                case 0 -> s.insert(pos, INSERTS[rnd.nextInt(INSERTS.length)]);
                case 1 -> {
                    if (pos < s.length()) {
                        s.deleteCharAt(pos);
                    }
                }
                case 2 -> {
                    if (pos < s.length()) {
                        s.setCharAt(pos, (char) rnd.nextInt(256));
                    }
                }
                case 3 -> {
                    int lineStart = s.lastIndexOf("\n", Math.max(0, pos - 1)) + 1;
                    int lineEnd = s.indexOf("\n", pos);
                    if (lineEnd > lineStart) {
                        s.insert(lineStart, s.substring(lineStart, lineEnd + 1));
                    }
                }
                default -> s.setLength(Math.min(s.length(), pos));
            }
        }
        return s.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void mutatedRequestsNeverCrashLeakOrReachTheBackendMalformed() throws Exception {
        SplittableRandom rnd = new SplittableRandom(20261122);
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < CASES; i++) {
            byte[] raw = mutate(rnd);
            try (Socket s = new Socket("127.0.0.1", lb.port())) {
                s.setSoTimeout(3000);
                s.getOutputStream().write(raw);
                s.shutdownOutput();
                InputStream in = s.getInputStream();
                byte[] answer = in.readAllBytes();
                String text = new String(answer, StandardCharsets.ISO_8859_1);
                if (text.startsWith("HTTP/1.1 ")) {
                    statuses.add(Integer.parseInt(text.substring(9, 12)));
                }
            } catch (java.net.SocketTimeoutException e) {
                throw new AssertionError("case " + i + " left the connection hanging: "
                        + new String(raw, StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n"), e);
            } catch (IOException e) {
                // a reset is a fine way to end a broken exchange
            }
        }
        assertThat(statuses).isNotEmpty().allMatch(st -> st >= 200 && st < 600);
        for (FakeBackend.Request r : backend.requests()) {
            String[] lines = r.head().split("\r\n");
            assertThat(lines[0]).as("request line seen by the backend").matches(REQUEST_LINE);
            int hosts = 0;
            for (int l = 1; l < lines.length; l++) {
                assertThat(lines[l]).as("header line seen by the backend").matches(HEADER);
                if (lines[l].regionMatches(true, 0, "host:", 0, 5)) {
                    hosts++;
                }
            }
            assertThat(hosts).as("Host headers in " + r.head()).isEqualTo(1);
            boolean cl = r.header("Content-Length") != null;
            boolean te = r.header("Transfer-Encoding") != null;
            assertThat(cl && te).as("both framings in " + r.head()).isFalse();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> lb.clientConnections() == 0);
        assertThat(lb.runtime().activeExchanges()).isZero();
        assertThat(pipelineLog.list).as("exceptions that reached a pipeline's tail").isEmpty();
        try (RawHttp c = new RawHttp(lb.port())) {
            assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(200);
        }
    }
}
