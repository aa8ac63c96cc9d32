package io.stickylb.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.http.HttpMethod;
import io.stickylb.bench.HotPathBenchmark;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One head through stickylb's own codec per operation, as on a kept-alive connection: {@code responseHead} decodes a
 * typical backend response (head and small body in one read), removes its Connection field as the proxy does, encodes
 * it for the client and releases it; {@code requestHead} decodes a browser-like request and writes it out for the
 * backend. In the codec's package to drive the decoders without a channel, so {@code -prof gc} shows what a head
 * itself allocates.
 */
public class HeadCodecBenchmark extends HotPathBenchmark {

    private static final byte[] RESPONSE = ("HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n"
            + "Date: Thu, 03 Dec 2026 05:00:00 GMT\r\nContent-Type: text/plain\r\nContent-Length: 96\r\n"
            + "Connection: keep-alive\r\n\r\n" + "b".repeat(96)).getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] REQUEST = ("GET /app/orders?page=2 HTTP/1.1\r\nHost: shop.example\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0\r\nAccept: text/html,*/*;q=0.8\r\n"
            + "Accept-Language: en-GB,en;q=0.5\r\nCookie: JSESSIONID=5F3A9C1D2B7E4F60A8C9D0E1F2A3B4C5\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);

    /** The fixed hop-by-hop names the proxy removes from a response (ForwardedHeaders), in one pass. */
    private static final List<String> HOP_BY_HOP = List.of("connection", "keep-alive", "proxy-connection", "te",
            "trailer", "upgrade");

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final List<Object> out = new ArrayList<>();
    private ResponseDecoder responses;
    private RequestDecoder requests;
    private ByteBuf responseWire;
    private ByteBuf requestWire;
    private ByteBuf requestOut;

    @Setup
    public void setUp() {
        responses = new ResponseDecoder(8192, 64 * 1024);
        requests = new RequestDecoder(8192, 64 * 1024, new RequestDecoder.HeadWatch() {
            @Override
            public void headStarted() {
            }

            @Override
            public void headEnded() {
            }
        });
        responseWire = alloc.directBuffer(1024);
        requestWire = alloc.directBuffer(1024);
        requestOut = alloc.directBuffer(1024);
    }

    @TearDown
    public void tearDown() {
        responseWire.release();
        requestWire.release();
        requestOut.release();
    }

    @Benchmark
    public int responseHead() {
        // Refilled each time: encoding writes the rebuilt head into the received bytes, as it may in the proxy.
        responseWire.clear().writeBytes(RESPONSE);
        out.clear();
        responses.expectResponseTo(HttpMethod.GET); // as the proxy does when it sends the request
        responses.decode(null, responseWire, out);
        BackendResponse head = (BackendResponse) out.get(0);
        if (!head.fields().removeMarkedHopByHop()) { // as the proxy does (ForwardedHeaders)
            head.fields().removeAll(HOP_BY_HOP);
        }
        ByteBuf encoded = head.encode(alloc, 0);
        head.release();
        int n = encoded.readableBytes();
        encoded.release();
        return n;
    }

    @Benchmark
    public int requestHead() {
        requestWire.clear().writeBytes(REQUEST);
        out.clear();
        requests.decode(null, requestWire, out);
        ClientRequest head = (ClientRequest) out.get(0);
        requestOut.clear();
        head.encode(requestOut);
        return requestOut.readableBytes();
    }
}
