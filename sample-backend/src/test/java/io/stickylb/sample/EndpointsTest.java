package io.stickylb.sample;

import static io.stickylb.sample.testing.TestHttp.get;
import static io.stickylb.sample.testing.TestHttp.json;
import static io.stickylb.sample.testing.TestHttp.send;
import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.sample.testing.RawHttpConnection;
import io.stickylb.sample.testing.RawResponse;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EndpointsTest {

    private static SampleBackend backend;
    private static String url;

    @BeforeAll
    static void start() {
        backend = SampleBackend.startNew("b7");
        url = backend.baseUrl();
    }

    @AfterAll
    static void stop() {
        backend.stop();
    }

    @AfterEach
    void healthy() {
        backend.setHealthy(true);
    }

    @Test
    void healthFlipsThroughControlEndpointAndApi() {
        HttpResponse<String> up = get(url + "/health");
        assertThat(up.statusCode()).isEqualTo(200);
        assertThat(json(up).get("status").asText()).isEqualTo("UP");

        HttpResponse<String> flip = post(url + "/control/health?status=503");
        assertThat(flip.statusCode()).isEqualTo(200);
        assertThat(json(flip).get("status").asText()).isEqualTo("DOWN");
        assertThat(backend.isHealthy()).isFalse();
        HttpResponse<String> down = get(url + "/health");
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(json(down).get("status").asText()).isEqualTo("DOWN");

        assertThat(post(url + "/control/health?status=200").statusCode()).isEqualTo(200);
        assertThat(get(url + "/health").statusCode()).isEqualTo(200);

        backend.setHealthy(false);
        assertThat(get(url + "/health").statusCode()).isEqualTo(503);
        backend.setHealthy(true);
        assertThat(get(url + "/health").statusCode()).isEqualTo(200);
    }

    @Test
    void badControlRequestsAreRejected() {
        assertThat(post(url + "/control/health?status=418").statusCode()).isEqualTo(400);
        HttpResponse<String> wrongMethod = get(url + "/control/health?status=503");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("allow")).hasValue("POST");
        assertThat(backend.isHealthy()).isTrue();
    }

    @Test
    void slowAnswersAfterTheDelay() {
        long start = System.nanoTime();
        HttpResponse<String> r = get(url + "/slow?ms=300");
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r).get("sleptMs").asLong()).isEqualTo(300);
        assertThat(tookMs).isGreaterThanOrEqualTo(290);
        assertThat(get(url + "/slow").statusCode()).isEqualTo(400);
        assertThat(get(url + "/slow?ms=-1").statusCode()).isEqualTo(400);
    }

    @Test
    void statusEndpointAnswersTheRequestedStatus() {
        HttpResponse<String> r = get(url + "/status/503");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(json(r).get("status").asInt()).isEqualTo(503);
        assertThat(r.headers().firstValue("x-backend-id")).hasValue("b7");
        assertThat(get(url + "/status/201").statusCode()).isEqualTo(201);
        assertThat(get(url + "/status/204").statusCode()).isEqualTo(204);
        assertThat(get(url + "/status/100").statusCode()).isEqualTo(400);
        assertThat(get(url + "/status/abc").statusCode()).isEqualTo(400);
    }

    @Test
    void statusNoContentHasNoBodyOnTheWire() throws Exception {
        try (RawHttpConnection c = new RawHttpConnection(backend.port())) {
            RawResponse r = c.exchange(RawHttpConnection.get("/status/204"));
            assertThat(r.status()).isEqualTo(204);
            assertThat(r.header("content-length")).isNull();
            // The connection is still usable, so nothing stray followed the head.
            assertThat(c.exchange(RawHttpConnection.get("/health")).status()).isEqualTo(200);
        }
    }

    @Test
    void headGetsHeadersWithoutBody() throws Exception {
        try (RawHttpConnection c = new RawHttpConnection(backend.port())) {
            RawResponse head = c.exchange(RawHttpConnection.request("HEAD", "/"));
            assertThat(head.status()).isEqualTo(200);
            assertThat(Integer.parseInt(head.header("content-length"))).isPositive();
            assertThat(head.header("x-session-new")).isEqualTo("true");

            RawResponse bytes = c.exchange(RawHttpConnection.request("HEAD", "/bytes?n=1000000"));
            assertThat(bytes.header("content-length")).isEqualTo("1000000");

            // Had a body followed either head, this would read garbage instead of a status line.
            RawResponse next = c.exchange(RawHttpConnection.get("/health"));
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.bodyText()).isEqualTo("{\"status\":\"UP\"}");
        }
    }

    @Test
    void closeDropsTheConnectionWithoutAnswer() throws Exception {
        try (RawHttpConnection c = new RawHttpConnection(backend.port())) {
            c.send(RawHttpConnection.get("/close"));
            assertThat(c.closedByPeerWithin(5_000)).isTrue();
        }
    }

    @Test
    void methodsOutsideTheSpecAreRejected() {
        HttpResponse<String> r = get(url + "/echo");
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("allow")).hasValue("POST, PUT");
        assertThat(post(url + "/stats").statusCode()).isEqualTo(405);
    }

    @Test
    void postToTheApplicationDiscardsTheBodyAndKeepsTheConnection() throws Exception {
        try (RawHttpConnection c = new RawHttpConnection(backend.port())) {
            RawResponse r = c.exchange("POST /form HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
            assertThat(r.status()).isEqualTo(200);
            assertThat(json(r.bodyText()).get("method").asText()).isEqualTo("POST");
            RawResponse chunked = c.exchange("POST /form HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "3\r\nabc\r\n0\r\n\r\n");
            assertThat(chunked.status()).isEqualTo(200);
            assertThat(c.exchange(RawHttpConnection.get("/health")).status()).isEqualTo(200);
        }
    }

    @Test
    void expectContinueIsAnsweredBeforeTheBodyIsSent() throws Exception {
        try (RawHttpConnection c = new RawHttpConnection(backend.port())) {
            c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            assertThat(c.read(false).status()).isEqualTo(100);
            c.send("hello");
            RawResponse echoed = c.read(false);
            assertThat(echoed.status()).isEqualTo(200);
            assertThat(echoed.bodyText()).isEqualTo("hello");
        }
    }

    @Test
    void malformedRequestGetsBadRequestAndClose() throws Exception {
        try (RawHttpConnection c = new RawHttpConnection(backend.port())) {
            RawResponse r = c.exchange("GET / HTTP/1.1\r\nHost: t\r\nContent-Length: nope\r\n\r\n");
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(c.closedByPeerWithin(5_000)).isTrue();
        }
    }

    private static HttpResponse<String> post(String target) {
        return send(HttpRequest.newBuilder(URI.create(target)).POST(HttpRequest.BodyPublishers.noBody()).build());
    }
}
