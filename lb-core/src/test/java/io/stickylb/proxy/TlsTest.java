package io.stickylb.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stickylb.config.ConfigException;
import io.stickylb.config.ConfigLoader;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.TlsConfig;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS on the client listener, with a real JDK TLS client: the handshake, streaming, reloads and bad files. */
class TlsTest {

    private FakeBackend backend;
    private LoadBalancer lb;
    private SSLContext trusting;

    @BeforeEach
    void setUp() throws Exception {
        backend = FakeBackend.ok("ok");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("one", certificate("one.crt"));
        trust.setCertificateEntry("two", certificate("two.crt"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        trusting = SSLContext.getInstance("TLS");
        trusting.init(null, tmf.getTrustManagers(), null);
    }

    @AfterEach
    void stop() throws IOException {
        if (lb != null) {
            lb.close();
        }
        backend.close();
    }

    static Path file(String name) {
        try {
            return Path.of(TlsTest.class.getResource("/tls/" + name).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate certificate(String name) throws Exception {
        try (InputStream in = Files.newInputStream(file(name))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static TlsConfig tls(String name) {
        return TlsConfig.load(file(name + ".crt"), file(name + ".key"), TlsConfig.DEFAULT_PROTOCOLS);
    }

    private LoadBalancer start(TlsConfig tls) {
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port()).withTls(tls)).start();
        return lb;
    }

    /** The subject of the certificate a new TLS connection to the proxy is shown. */
    private String presentedSubject() throws Exception {
        try (SSLSocket s = (SSLSocket) trusting.getSocketFactory().createSocket("127.0.0.1", lb.port())) {
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
        }
    }

    @Test
    void requestsOverTlsAreProxiedAndTheBackendIsToldTheyCameOverHttps() throws Exception {
        start(tls("one"));
        HttpClient client = HttpClient.newBuilder().sslContext(trusting).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        URI uri = URI.create("https://127.0.0.1:" + lb.port() + "/secure?x=1");
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("ok");
        }
        assertThat(backend.lastRequest().requestLine()).isEqualTo("GET /secure?x=1 HTTP/1.1");
        assertThat(backend.lastRequest().header("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(backend.connections()).as("one keep-alive connection each side").isEqualTo(1);

        // A body larger than any TLS record and socket buffer streams through the handshake's pipeline.
        byte[] upload = new byte[3 * 1024 * 1024];
        HttpResponse<String> posted = client.send(HttpRequest.newBuilder(uri)
                .POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).isEqualTo(200);
        assertThat(backend.lastRequest().bodyLength()).isEqualTo(upload.length);
        assertThat(presentedSubject()).isEqualTo("CN=stickylb test one");
    }

    @Test
    void aWebSocketTunnelRunsOverTlsAndClosesCleanly() throws Exception {
        try (io.stickylb.testing.WebSocketEcho echo = new io.stickylb.testing.WebSocketEcho("b1")) {
            lb = new LoadBalancer(TestConfigs.roundRobin(echo.port()).withTls(tls("one"))).start();
            java.util.concurrent.LinkedBlockingQueue<Object> got = new java.util.concurrent.LinkedBlockingQueue<>();
            java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
            java.net.http.WebSocket ws = HttpClient.newBuilder().sslContext(trusting).build().newWebSocketBuilder()
                    .buildAsync(URI.create("wss://127.0.0.1:" + lb.port() + "/ws"),
                            new java.net.http.WebSocket.Listener() {
                        private final java.io.ByteArrayOutputStream bin = new java.io.ByteArrayOutputStream();

                        @Override
                        public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket w, CharSequence d,
                                boolean last) {
                            got.add(d.toString());
                            w.request(1);
                            return null;
                        }

                        @Override
                        public java.util.concurrent.CompletionStage<?> onBinary(java.net.http.WebSocket w,
                                java.nio.ByteBuffer d, boolean last) {
                            byte[] b = new byte[d.remaining()];
                            d.get(b);
                            bin.write(b, 0, b.length);
                            if (last) {
                                got.add(bin.toByteArray());
                                bin.reset();
                            }
                            w.request(1);
                            return null;
                        }

                        @Override
                        public java.util.concurrent.CompletionStage<?> onClose(java.net.http.WebSocket w, int code,
                                String reason) {
                            closed.countDown();
                            return null;
                        }
                    }).get(10, java.util.concurrent.TimeUnit.SECONDS);
            ws.sendText("hello", true).get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(got.poll(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("b1:hello");
            byte[] big = new byte[3 << 20];
            java.util.concurrent.ThreadLocalRandom.current().nextBytes(big);
            ws.sendBinary(java.nio.ByteBuffer.wrap(big), true).get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat((byte[]) got.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(big);
            ws.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "bye").get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(closed.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            var b1 = lb.upstreams().allBackends().get(0);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> b1.stats().openTunnels.get() == 0 && b1.inFlight() == 0);
        }
    }

    /** The start's log line is what an operator copies into a browser or a health check: it must say https. */
    @Test
    void theListeningLineNamesHttps() {
        var logs = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
        var logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(LoadBalancer.class);
        logs.start();
        logger.addAppender(logs);
        try {
            start(tls("one"));
        } finally {
            logger.detachAppender(logs);
        }
        assertThat(logs.list).map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                .anyMatch(m -> m.startsWith("stickylb listening on https://127.0.0.1:" + lb.port() + " "));
    }

    @Test
    void plainHttpOnTheTlsPortNeverReachesABackend() throws Exception {
        start(tls("one"));
        try (RawHttp c = new RawHttp(lb.port())) {
            c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
            RawHttp.Response r;
            try {
                r = c.read();
            } catch (IOException closed) {
                r = null;
            }
            assertThat(r).isNull();
        }
        assertThat(backend.requests()).isEmpty();
    }

    @Test
    void aReloadPutsARenewedCertificateInServiceForNewConnections() throws Exception {
        start(tls("one"));
        assertThat(presentedSubject()).isEqualTo("CN=stickylb test one");
        lb.reload(lb.config().withTls(tls("two")));
        assertThat(presentedSubject()).isEqualTo("CN=stickylb test two");
    }

    @Test
    void badTlsSettingsAreConfigErrorsNamingTheLineAndKey(@TempDir Path dir) throws Exception {
        Files.copy(file("one.crt"), dir.resolve("site.crt"));
        Files.copy(file("one.key"), dir.resolve("site.key"));
        Files.copy(file("two.key"), dir.resolve("other.key"));
        String pools = "pools: { app: { backends: [ { id: b1, address: \"127.0.0.1:1\" } ] } }\n";

        // Relative paths are read from the config file's directory.
        Path good = dir.resolve("good.yaml");
        Files.writeString(good, "tls:\n  certificate: site.crt\n  key: site.key\n" + pools);
        LoadBalancerConfig loaded = ConfigLoader.load(good);
        assertThat(loaded.tls().certificate()).isEqualTo(dir.resolve("site.crt"));
        assertThat(loaded.tls().protocols()).containsExactly("TLSv1.3", "TLSv1.2");

        assertThat(error(dir, "tls:\n  certificate: missing.crt\n  key: site.key\n" + pools))
                .isEqualTo("bad.yaml:2: tls.certificate: " + dir.resolve("missing.crt") + ": no such file");
        assertThat(error(dir, "tls:\n  certificate: site.crt\n  key: other.key\n" + pools))
                .isEqualTo("bad.yaml:3: tls.key: " + dir.resolve("other.key") + " is not the private key of the first"
                        + " certificate in " + dir.resolve("site.crt"));
        assertThat(error(dir, "tls:\n  certificate: site.key\n  key: site.key\n" + pools))
                .startsWith("bad.yaml:2: tls.certificate: " + dir.resolve("site.key") + ": no certificate in it");
        assertThat(error(dir, "tls:\n  certificate: site.crt\n  key: site.crt\n" + pools))
                .startsWith("bad.yaml:3: tls.key: " + dir.resolve("site.crt") + ": not a usable private key (");
        assertThat(error(dir, "tls:\n  certificate: site.crt\n  key: site.key\n  protocols: [TLSv1.1]\n" + pools))
                .isEqualTo("bad.yaml:4: tls.protocols[0]: 'TLSv1.1' (expected TLSv1.3 or TLSv1.2; older versions are"
                        + " broken)");
        // Other PEM forms of a key are named, with the command that converts them.
        for (String label : new String[] {"RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY"}) {
            Files.writeString(dir.resolve("other-form.key"), "-----BEGIN " + label + "-----\nMIIBOgIBAAJBAKj34GkxFhD9"
                    + "\n-----END " + label + "-----\n");
            assertThat(error(dir, "tls:\n  certificate: site.crt\n  key: other-form.key\n" + pools)).as(label)
                    .startsWith("bad.yaml:3: tls.key: " + dir.resolve("other-form.key") + ": a")
                    .contains("(BEGIN " + label + "); stickylb reads unencrypted PKCS#8 (BEGIN PRIVATE KEY), which"
                            + " 'openssl pkey -in " + dir.resolve("other-form.key") + " -out NEW.key' writes");
        }
        assertThat(error(dir, "tls:\n  certificate: site.crt\n" + pools))
                .isEqualTo("bad.yaml:2: tls.key: missing required key");
    }

    private static String error(Path dir, String yaml) throws IOException {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, yaml);
        try {
            ConfigLoader.load(file);
        } catch (ConfigException e) {
            return e.getMessage().replace(file.toString(), "bad.yaml");
        }
        throw new AssertionError("expected a config error for\n" + yaml);
    }

    @Test
    void offUnlessConfigured() throws Exception {
        assertThat(ConfigLoader.parse("pools: { app: { backends: [ { id: b1, address: \"127.0.0.1:1\" } ] } }\n",
                "t.yaml", Map.of()).tls()).isNull();
        assertThatThrownBy(() -> TlsConfig.load(file("one.crt"), file("two.key"), TlsConfig.DEFAULT_PROTOCOLS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not the private key");
    }
}
