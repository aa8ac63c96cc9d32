package io.stickylb.warmup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class WarmupResponderTest {

    private static final String NGINX = "HTTP/1.1 200 OK\r\nServer: nginx/";

    @Test
    void inPlainModeEveryAnswerIsNginxsAndTheMixComesBackAfter() throws Exception {
        try (WarmupResponder responder = new WarmupResponder(List.of("JSESSIONID"));
             Socket s = new Socket(InetAddress.getLoopbackAddress(), responder.port())) {
            s.setSoTimeout(10_000);
            InputStream in = new BufferedInputStream(s.getInputStream());

            // Its mix, as the warm-up's keep-alive clients get it: over 32 answers, each other kind at least once.
            List<String> mixed = heads(s, in, 32);
            assertThat(mixed).anyMatch(h -> h.startsWith("HTTP/1.1 302 Found"));
            assertThat(mixed).anyMatch(h -> h.startsWith("HTTP/1.1 404 Not Found"));
            assertThat(mixed).anyMatch(h -> h.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked"));
            assertThat(mixed).anyMatch(h -> h.contains("Set-Cookie: JSESSIONID="));

            // What the idle drills get: nginx's answer and no other, on the same connection.
            responder.plainOnly(true);
            assertThat(heads(s, in, 64)).allMatch(h -> h.startsWith(NGINX));

            responder.plainOnly(false);
            assertThat(heads(s, in, 32)).anyMatch(h -> !h.startsWith(NGINX));
            assertThat(responder.answered()).isEqualTo(128);
        }
    }

    /** {@code count} bare GETs on one keep-alive connection, each answer read whole; returns their heads. */
    private static List<String> heads(Socket s, InputStream in, int count) throws IOException {
        List<String> heads = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String head = readHead(in);
            String lower = head.toLowerCase(Locale.ROOT);
            if (lower.contains("transfer-encoding: chunked")) {
                skipChunks(in);
            } else {
                in.readNBytes(WarmupResponder.contentLength(lower));
            }
            heads.add(head);
        }
        return heads;
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            assertThat(b).as("the responder closed mid-answer").isNotNegative();
            head.write(b);
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    private static void skipChunks(InputStream in) throws IOException {
        while (true) {
            int size = Integer.parseInt(readLine(in), 16);
            in.readNBytes(size);
            readLine(in);
            if (size == 0) {
                return;
            }
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            assertThat(b).as("the responder closed mid-answer").isNotNegative();
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }
}
