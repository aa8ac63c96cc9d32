package io.stickylb.server;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import io.stickylb.config.TransportChoice;
import io.stickylb.pool.Transport;
import io.stickylb.testing.Ports;
import io.stickylb.testing.RawHttp;
import io.stickylb.testing.TestConfigs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every transport the config can name carries the same traffic: keep-alive requests, a large body, a dead backend. */
class TransportChoiceTest {

    private static final int BODY = 1 << 20;

    private WireMockServer backend;
    private LoadBalancer lb;

    @AfterEach
    void stop() {
        if (lb != null) {
            lb.close();
        }
        if (backend != null) {
            backend.stop();
        }
    }

    @ParameterizedTest
    @EnumSource(TransportChoice.class)
    void eachTransportProxiesKeepAliveRequestsAndALargeBody(TransportChoice choice) throws Exception {
        assumeLoads(choice);
        backend = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        backend.start();
        backend.stubFor(get(urlEqualTo("/hello")).willReturn(aResponse().withStatus(200).withBody("hello")));
        backend.stubFor(post(urlEqualTo("/upload")).willReturn(aResponse().withStatus(201).withBody("stored")));
        lb = new LoadBalancer(TestConfigs.roundRobin(backend.port()).withTransport(choice)).start();

        assertThat(lb.transport()).isEqualTo(Transport.forChoice(choice));
        try (RawHttp c = new RawHttp(lb.port())) {
            for (int i = 0; i < 5; i++) {
                RawHttp.Response r = c.send("GET /hello HTTP/1.1\r\nHost: h\r\n\r\n").read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("hello");
            }
            RawHttp.Response r = c.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: " + BODY + "\r\n\r\n"
                    + "x".repeat(BODY)).read();
            assertThat(r.status()).isEqualTo(201);
            assertThat(c.send("GET /hello HTTP/1.1\r\nHost: h\r\n\r\n").read().body()).isEqualTo("hello");
        }
        assertThat(backend.getAllServeEvents()).hasSize(7)
                .anySatisfy(e -> assertThat(e.getRequest().getBody()).hasSize(BODY));
    }

    @ParameterizedTest
    @EnumSource(TransportChoice.class)
    void eachTransportAnswersADeadBackendWith502(TransportChoice choice) throws Exception {
        assumeLoads(choice);
        lb = new LoadBalancer(TestConfigs.roundRobin(Ports.closed()).withTransport(choice)).start();

        try (RawHttp c = new RawHttp(lb.port())) {
            assertThat(c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read().status()).isEqualTo(502);
        }
    }

    @Test
    void autoIsEpollWhereItLoadsAndNeverIoUring() {
        assertThat(Transport.forChoice(TransportChoice.AUTO)).isEqualTo(Transport.best());
        assertThat(Transport.forChoice(TransportChoice.NIO)).isEqualTo(Transport.NIO);
        // -Dstickylb.transport replaces auto's choice when the whole suite is run over another transport.
        assumeTrue(System.getProperty("stickylb.transport") == null, "auto's choice is overridden for this run");
        assertThat(Transport.best()).isEqualTo(Epoll.isAvailable() ? Transport.EPOLL : Transport.NIO);
    }

    private static void assumeLoads(TransportChoice choice) {
        if (choice == TransportChoice.EPOLL) {
            assumeTrue(Epoll.isAvailable(), () -> "epoll does not load here: " + Epoll.unavailabilityCause());
        }
        if (choice == TransportChoice.IO_URING) {
            assumeTrue(IoUring.isAvailable(), () -> "io_uring does not load here: " + IoUring.unavailabilityCause());
        }
    }
}
