package io.stickylb.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.stickylb.config.ConfigException;
import io.stickylb.config.ConfigLoader;
import io.stickylb.config.LoadBalancerConfig;
import io.stickylb.config.TlsConfig;
import io.stickylb.server.LoadBalancer;
import io.stickylb.testing.FakeBackend;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import io.stickylb.testing.WsWire;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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

    /**
     * A backend that half-closes a tunnel (its WebSocket Close, then FIN) must reach a TLS client as close_notify,
     * then FIN: a bare FIN reads as a truncation, after which OpenSSL fails the client's next write, its own Close.
     * TLS 1.3 keeps the other direction open (RFC 8446 §6.1).
     */
    @Test
    void aBackendsHalfCloseReachesATlsClientAsCloseNotifyAndTheClientCanStillAnswer() throws Exception {
        java.util.concurrent.CompletableFuture<String> heard = new java.util.concurrent.CompletableFuture<>();
        try (FakeBackend ws = new FakeBackend((req, out, s) -> {
            out.write((SWITCHING + "bye").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            s.shutdownOutput();
            heard.complete(new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1));
            return false;
        }); NettyTlsClient client = new NettyTlsClient()) {
            lb = new LoadBalancer(TestConfigs.roundRobin(ws.port()).withTls(tls("one"))).start();
            client.connect(lb.port());
            client.send(WsWire.handshake("/ws", ""));
            client.inputEnded.get(5, TimeUnit.SECONDS);
            assertThat(client.received.toString()).startsWith("HTTP/1.1 101 ").endsWith("\r\n\r\nbye");
            assertThat(client.tls.sslCloseFuture().isSuccess()).as("close_notify before the FIN").isTrue();
            client.send("closing too");
            client.channel.close().sync();
            assertThat(heard.get(5, TimeUnit.SECONDS)).isEqualTo("closing too");
        }
    }

    /**
     * A TLS client may end its side of a tunnel with close_notify alone and wait for the other side's before it
     * closes (TLS 1.3 half-close, as OpenSSL's two-way shutdown does): the backend must hear that as the client's
     * FIN. It heard nothing, and both connections hung until the tunnel timeout (an hour by default).
     */
    @Test
    void aTlsClientsCloseNotifyIsPassedToTheBackendAsItsFin() throws Exception {
        try (FakeBackend ws = new FakeBackend((req, out, s) -> {
            out.write(SWITCHING.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String heard = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            out.write(("heard " + heard).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return false;
        }); NettyTlsClient client = new NettyTlsClient()) {
            lb = new LoadBalancer(TestConfigs.roundRobin(ws.port()).withTls(tls("one"))).start();
            client.connect(lb.port());
            client.send(WsWire.handshake("/ws", ""));
            await().atMost(Duration.ofSeconds(5)).until(() -> client.received.toString().endsWith("\r\n\r\n"));
            client.send("hello");
            client.tls.closeOutbound().sync();
            client.inputEnded.get(5, TimeUnit.SECONDS);
            assertThat(client.received.toString()).endsWith("\r\n\r\nheard hello");
            assertThat(client.tls.sslCloseFuture().isSuccess()).as("close_notify back").isTrue();
        }
    }

    private static final String SWITCHING = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\n\r\n";

    /** A TLS 1.3 client on Netty, which tells a close_notify from a bare FIN (the JDK's SSLSocket does not). */
    private static final class NettyTlsClient implements AutoCloseable {
        private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        final StringBuffer received = new StringBuffer();
        final java.util.concurrent.CompletableFuture<Void> inputEnded = new java.util.concurrent.CompletableFuture<>();
        Channel channel;
        SslHandler tls;

        void connect(int port) throws Exception {
            SslContext context = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).protocols("TLSv1.3")
                    .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
            channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline().addLast(context.newHandler(c.alloc(), "127.0.0.1", port));
                            c.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    ByteBuf bytes = (ByteBuf) msg;
                                    received.append(bytes.toString(StandardCharsets.ISO_8859_1));
                                    bytes.release();
                                }

                                @Override
                                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                    if (evt == ChannelInputShutdownEvent.INSTANCE) {
                                        inputEnded.complete(null);
                                    }
                                }
                            });
                        }
                    }).connect("127.0.0.1", port).sync().channel();
            tls = channel.pipeline().get(SslHandler.class);
            tls.handshakeFuture().sync();
        }

        void send(String text) throws InterruptedException {
            channel.writeAndFlush(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1)).sync();
        }

        @Override
        public void close() throws InterruptedException {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /**
     * A connection over max-connections on the TLS port is closed unanswered: the plain-text 503 the HTTP port sends
     * would reach a TLS client as a broken record ("wrong version number"), as if the port did not speak TLS.
     */
    @Test
    void aConnectionOverTheLimitOnTheTlsPortIsClosedWithoutPlainText() throws Exception {
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port()).withTls(tls("one"))
                .withLimits(io.stickylb.config.LimitsConfig.DEFAULTS.withMaxConnections(1))).start();
        try (java.net.Socket held = new java.net.Socket("127.0.0.1", lb.port())) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> lb.clients().open() == 1);
            try (java.net.Socket refused = new java.net.Socket("127.0.0.1", lb.port())) {
                refused.setSoTimeout(5000);
                byte[] received;
                try {
                    received = refused.getInputStream().readAllBytes();
                } catch (java.net.SocketException reset) {
                    received = new byte[0];
                }
                assertThat(new String(received, StandardCharsets.ISO_8859_1)).isEmpty();
            }
            assertThat(lb.clients().refused()).isEqualTo(1);
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> lb.clients().open() == 0);
        assertThat(presentedSubject()).isEqualTo("CN=stickylb test one");
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

    /**
     * A chain the JDK cannot take (out of order, or a certificate twice, as when cert.pem and fullchain.pem are put
     * together) is the certificate file's fault; it was reported against the key as "not a usable private key".
     */
    @Test
    void aChainOutOfOrderOrWithARepeatIsAnErrorNamingTheCertificateFile(@TempDir Path dir) throws Exception {
        Files.copy(file("leaf.key"), dir.resolve("site.key"));
        String leaf = Files.readString(file("leaf.crt"));
        String ca = Files.readString(file("ca.crt"));
        String pools = "pools: { app: { backends: [ { id: b1, address: \"127.0.0.1:1\" } ] } }\n";
        String yaml = "tls:\n  certificate: site.crt\n  key: site.key\n" + pools;

        Files.writeString(dir.resolve("site.crt"), ca + leaf);
        assertThat(error(dir, yaml)).isEqualTo("bad.yaml:2: tls.certificate: " + dir.resolve("site.crt")
                + ": certificate 2 (CN=stickylb test leaf) is not the issuer of certificate 1 (CN=stickylb test ca,"
                + " issued by CN=stickylb test ca); expected the server's certificate first, then each issuer in turn");
        Files.writeString(dir.resolve("site.crt"), leaf + leaf + ca);
        assertThat(error(dir, yaml)).isEqualTo("bad.yaml:2: tls.certificate: " + dir.resolve("site.crt")
                + ": certificate 2 (CN=stickylb test leaf) appears twice (expected the server's certificate first,"
                + " then each issuer once)");

        Files.writeString(dir.resolve("site.crt"), leaf + ca);
        assertThat(ConfigLoader.load(writeConfig(dir, yaml)).tls().certificate()).isEqualTo(dir.resolve("site.crt"));
    }

    /** One PEM file holding the certificate and its key, as HAProxy's crt takes it and nginx allows, is served. */
    @Test
    void oneFileWithTheCertificateAndTheKeyServes(@TempDir Path dir) throws Exception {
        Path combined = dir.resolve("site.pem");
        Files.writeString(combined, Files.readString(file("one.key")) + Files.readString(file("one.crt")));
        start(TlsConfig.load(combined, combined, TlsConfig.DEFAULT_PROTOCOLS));
        assertThat(presentedSubject()).isEqualTo("CN=stickylb test one");
        Files.writeString(combined, Files.readString(file("one.crt")) + Files.readString(file("one.key")));
        lb.reload(lb.config().withTls(TlsConfig.load(combined, combined, TlsConfig.DEFAULT_PROTOCOLS)));
        assertThat(presentedSubject()).isEqualTo("CN=stickylb test one");
    }

    private static Path writeConfig(Path dir, String yaml) throws IOException {
        Path file = dir.resolve("good.yaml");
        Files.writeString(file, yaml);
        return file;
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
