package io.stickylb.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Ambiguous or malformed requests (RFC 9112 §6 and §11.2: request smuggling) get a 4xx/505 and a closed connection,
 * and never reach a backend. Each row is one case; {@code \r\n} and {@code \t} are written literally in the table.
 */
class MalformedRequestTest {

    private static FakeBackend backend;
    private static LoadBalancer lb;
    /** A well-behaved keep-alive client that must keep being served between the hostile ones. */
    private static RawHttp bystander;

    @BeforeAll
    static void start() throws IOException {
        backend = FakeBackend.ok("ok");
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port())).start();
        bystander = new RawHttp(lb.port());
    }

    @AfterAll
    static void stop() throws IOException {
        bystander.close();
        lb.close();
        backend.close();
    }

    @BeforeEach
    void clear() {
        backend.requests().clear();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            both Content-Length and Transfer-Encoding | 400 | POST / HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: 4\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n
            differing Content-Length headers         | 400 | POST / HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: 3\\r\\nContent-Length: 4\\r\\n\\r\\nabcd
            Content-Length list                      | 400 | POST / HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: 3, 3\\r\\n\\r\\nabc
            Content-Length not digits                | 400 | POST / HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: +3\\r\\n\\r\\nabc
            negative Content-Length                  | 400 | POST / HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: -1\\r\\n\\r\\n
            Transfer-Encoding not chunked            | 400 | POST / HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: gzip\\r\\n\\r\\nabc
            chunked not final                        | 400 | POST / HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: chunked, gzip\\r\\n\\r\\n0\\r\\n\\r\\n
            chunked twice                            | 400 | POST / HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: chunked\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n
            unknown transfer coding                  | 400 | POST / HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: xchunked\\r\\n\\r\\n0\\r\\n\\r\\n
            malformed chunk size                     | 400 | POST / HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\nzz\\r\\nabc\\r\\n0\\r\\n\\r\\n
            obs-fold continuation line               | 400 | GET / HTTP/1.1\\r\\nHost: h\\r\\nX-A: 1\\r\\n folded\\r\\n\\r\\n
            space before colon                       | 400 | GET / HTTP/1.1\\r\\nHost: h\\r\\nX-A : 1\\r\\n\\r\\n
            tab before colon                         | 400 | GET / HTTP/1.1\\r\\nHost: h\\r\\nX-A\\t: 1\\r\\n\\r\\n
            control character in header name         | 400 | GET / HTTP/1.1\\r\\nHost: h\\r\\nX\\u0001A: 1\\r\\n\\r\\n
            control character in header value        | 400 | GET / HTTP/1.1\\r\\nHost: h\\r\\nX-A: 1\\u00012\\r\\n\\r\\n
            header line without colon                | 400 | GET / HTTP/1.1\\r\\nHost: h\\r\\nNoColonHere\\r\\n\\r\\n
            invalid method                           | 400 | G(T / HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n
            invalid request target                   | 400 | GET no-slash HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n
            space in request target                  | 400 | GET /a b HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n
            unsupported HTTP version                 | 505 | GET / HTTP/2.0\\r\\nHost: h\\r\\n\\r\\n
            HTTP/1.2                                 | 505 | GET / HTTP/1.2\\r\\nHost: h\\r\\n\\r\\n
            garbage version                          | 400 | GET / FTP/1.1\\r\\nHost: h\\r\\n\\r\\n
            HTTP/1.0 with chunked body               | 400 | POST / HTTP/1.0\\r\\nHost: h\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n
            second Host header                       | 400 | GET / HTTP/1.1\\r\\nHost: a\\r\\nHost: b\\r\\n\\r\\n
            missing Host in HTTP/1.1                 | 400 | GET / HTTP/1.1\\r\\nX-A: 1\\r\\n\\r\\n
            Host with a space                        | 400 | GET / HTTP/1.1\\r\\nHost: a b\\r\\n\\r\\n
            bare LF line endings                     | 400 | GET / HTTP/1.1\\nHost: h\\n\\n
            request line too long                    | 414 | GET /LONG HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n
            header too large                         | 431 | GET / HTTP/1.1\\r\\nHost: h\\r\\nX-Big: BIG\\r\\n\\r\\n
            too many headers                         | 431 | GET / HTTP/1.1\\r\\nHost: h\\r\\nMANY\\r\\n
            Content-Length reversed after TE          | 400 | POST / HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: chunked\\r\\nContent-Length: 4\\r\\n\\r\\n0\\r\\n\\r\\n
            Content-Length with inner space           | 400 | POST / HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: 1 2\\r\\n\\r\\nabcdefghijkl
            Content-Length in hex                     | 400 | POST / HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: 0x10\\r\\n\\r\\nabc
            Content-Length overflowing 64 bits        | 400 | POST / HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: 99999999999999999999999\\r\\n\\r\\nabc
            empty Content-Length                      | 400 | POST / HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: \\r\\n\\r\\nabc
            Transfer-Encoding identity                | 400 | POST / HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: identity\\r\\n\\r\\nabc
            space before colon of Transfer-Encoding   | 400 | POST / HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding : chunked\\r\\n\\r\\n0\\r\\n\\r\\n
            HTTP/1.0 chunked and Content-Length       | 400 | POST / HTTP/1.0\\r\\nHost: h\\r\\nContent-Length: 3\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\nabc
            negative chunk size                       | 400 | POST / HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n-3\\r\\nabc\\r\\n0\\r\\n\\r\\n
            chunk size overflowing 64 bits            | 400 | POST / HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\nfffffffffffffffffff\\r\\nabc\\r\\n0\\r\\n\\r\\n
            chunk size with 0x prefix                 | 400 | POST / HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0x3\\r\\nabc\\r\\n0\\r\\n\\r\\n
            chunk data longer than its size           | 400 | POST / HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n3\\r\\nabcdef\\r\\n0\\r\\n\\r\\n
            chunk extension with control character    | 400 | POST / HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n3;a\\u0001b\\r\\nabc\\r\\n0\\r\\n\\r\\n
            chunked with a parameter                  | 400 | POST / HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: chunked;x=1\\r\\n\\r\\n0\\r\\n\\r\\n
            chunked with an empty parameter           | 400 | POST / HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: gzip, chunked;\\r\\n\\r\\n0\\r\\n\\r\\n
            chunk extension over 4 KiB               | 400 | POST / HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n3;EXT\\r\\nabc\\r\\n0\\r\\n\\r\\n
            NUL in header value                       | 400 | GET / HTTP/1.1\\r\\nHost: h\\r\\nX-A: a\\u0000b\\r\\n\\r\\n
            DEL in header value                       | 400 | GET / HTTP/1.1\\r\\nHost: h\\r\\nX-A: a\\u007fb\\r\\n\\r\\n
            bare CR inside header value               | 400 | GET / HTTP/1.1\\r\\nHost: h\\r\\nX-A: a\\rb\\r\\n\\r\\n
            non-token character in header name        | 400 | GET / HTTP/1.1\\r\\nHost: h\\r\\nX@A: 1\\r\\n\\r\\n
            empty header name                         | 400 | GET / HTTP/1.1\\r\\nHost: h\\r\\n: 1\\r\\n\\r\\n
            non-ASCII byte in header name             | 400 | GET / HTTP/1.1\\r\\nHost: h\\r\\nX\\u00e9A: 1\\r\\n\\r\\n
            whitespace before the first header        | 400 | GET / HTTP/1.1\\r\\n Host: h\\r\\n\\r\\n
            tab between method and target             | 400 | GET\\t/ HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n
            two spaces between method and target      | 400 | GET  / HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n
            lowercase protocol name                   | 400 | GET / http/1.1\\r\\nHost: h\\r\\n\\r\\n
            HTTP/0.9 request line without version     | 400 | GET /\\r\\n\\r\\n
            control character in request target       | 400 | GET /a\\u0001b HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n
            non-ASCII byte in request target          | 400 | GET /\\u00e9 HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n
            asterisk target with GET                  | 400 | GET * HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n
            Host with userinfo                        | 400 | GET / HTTP/1.1\\r\\nHost: user@h\\r\\n\\r\\n
            Host with a slash                         | 400 | GET / HTTP/1.1\\r\\nHost: h/x\\r\\n\\r\\n
            Host port not a number                    | 400 | GET / HTTP/1.1\\r\\nHost: h:8x\\r\\n\\r\\n
            Host with a port but no host              | 400 | GET / HTTP/1.1\\r\\nHost: :80\\r\\n\\r\\n
            Host port beyond 65535                    | 400 | GET / HTTP/1.1\\r\\nHost: h:65536\\r\\n\\r\\n
            absolute-form with userinfo               | 400 | GET http://u:p@real.example/ HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n
            absolute-form with userinfo, no path      | 400 | GET http://u@h HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n
            absolute-form with an empty host          | 400 | GET http:///m/echo HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n
            absolute-form with only a query           | 400 | GET http://?q=1 HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n
            absolute-form with a port but no host     | 400 | GET https://:443/ HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n
            absolute-form port not a number           | 400 | GET http://x:abc/ HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n
            fragment in request target                | 400 | GET /m/echo#frag HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n
            fragment in absolute-form target          | 400 | GET http://h/p#frag HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n
            CONNECT                                   | 405 | CONNECT h:443 HTTP/1.1\\r\\nHost: h:443\\r\\n\\r\\n
            """)
    void isRejectedClosedAndNeverForwarded(String name, int status, String raw) throws Exception {
        String request = raw.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t")
                .replace("\\u0001", "\u0001").replace("\\u0000", "\u0000").replace("\\u007f", "\u007f")
                .replace("\\u00e9", "\u00e9")
                .replace("/LONG", "/" + "a".repeat(9000))
                .replace("BIG", "b".repeat(17000))
                .replace("MANY", "X-H: 1\r\n".repeat(101))
                .replace("EXT", "e=" + "x".repeat(5000));
        try (RawHttp c = new RawHttp(lb.port())) {
            RawHttp.Response r = c.send(request).read();
            assertThat(r).as(name + ": no response").isNotNull();
            assertThat(r.status()).as(name).isEqualTo(status);
            assertThat(r.header("Connection")).as(name).isEqualToIgnoringCase("close");
            assertThat(c.closedByPeer()).as(name + ": connection closed").isTrue();
        }
        assertThat(backend.requests()).as(name + ": reached the backend").isEmpty();
        RawHttp.Response served = bystander.send("GET /bystander HTTP/1.1\r\nHost: h\r\n\r\n").read();
        assertThat(served.status()).as(name + ": the well-behaved client on its kept-alive connection").isEqualTo(200);
    }

    @Test
    void connectIsAnswered405WithTheMethodsThatAreForwarded() throws Exception {
        try (RawHttp c = new RawHttp(lb.port())) {
            RawHttp.Response r = c.send("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(405);
            // RFC 9110 §15.5.6: a 405 MUST carry Allow.
            assertThat(r.header("Allow")).isEqualTo("GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE, PATCH");
        }
        assertThat(backend.requests()).isEmpty();
    }

    /**
     * A request line that can never become valid is refused as soon as the offending byte arrives, not when the head
     * would end: none of these heads is ever finished, so a 400 here cannot come from the full parse, and waiting for
     * the header timeout (10 s) would answer 408 instead.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            TLS ClientHello on the plain port         | \\u0016\\u0003\\u0001\\u0000\\u00a5\\u0001\\u0000\\u0000\\u00a1
            binary noise                              | \\u0000\\u0001\\u0002\\u0003
            invalid method character                  | G(T /
            tab after the method                      | GET\\t/
            two spaces after the method               | GET  /
            control character in request target       | GET /a\\u0001
            non-ASCII byte in request target          | GET /\\u00e9
            HTTP/0.9 request line without version     | GET /\\r\\n
            lowercase protocol name                   | GET / http/1.1\\r\\n
            bare LF after the version                 | GET / HTTP/1.1\\nHost: h\\n
            space after the version                   | GET / HTTP/1.1 \\r\\nHost: h\\r\\n
            """)
    void aHopelessRequestLineIsRejectedBeforeItsHeadEnds(String name, String raw) throws Exception {
        String request = raw.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t")
                .replace("\\u0016", "\u0016").replace("\\u0003", "\u0003").replace("\\u0001", "\u0001")
                .replace("\\u0000", "\u0000").replace("\\u00a5", "\u00a5").replace("\\u00a1", "\u00a1")
                .replace("\\u0002", "\u0002").replace("\\u00e9", "\u00e9");
        try (RawHttp c = new RawHttp(lb.port())) {
            RawHttp.Response r = c.send(request).read();
            assertThat(r).as(name + ": no response").isNotNull();
            assertThat(r.status()).as(name).isEqualTo(400);
            assertThat(c.closedByPeer()).as(name + ": connection closed").isTrue();
        }
        assertThat(backend.requests()).as(name + ": reached the backend").isEmpty();
        RawHttp.Response served = bystander.send("GET /bystander HTTP/1.1\r\nHost: h\r\n\r\n").read();
        assertThat(served.status()).as(name + ": the well-behaved client on its kept-alive connection").isEqualTo(200);
    }
}
