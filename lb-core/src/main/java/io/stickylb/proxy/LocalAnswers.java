package io.stickylb.proxy;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.atomic.LongAdder;

/**
 * Requests the proxy answers itself, never sent to a backend (400, 404, 405, 408, 413, 414, 431, 505, and the 503 of a
 * pool with no backend to offer): counted by status for {@code /metrics} and logged, so refused traffic shows.
 */
public final class LocalAnswers {

    /** The statuses counted on their own; anything else is counted as {@code other}. */
    public static final int[] STATUSES = {400, 404, 405, 408, 413, 414, 431, 503, 505};

    private final LongAdder[] counts = new LongAdder[STATUSES.length + 1];

    public LocalAnswers() {
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    /** How many answers of {@code STATUSES[i]} were given, or of any other status for {@code i == STATUSES.length}. */
    public long count(int i) {
        return counts[i].sum();
    }

    /** Counts one answer the caller logs itself (an exchange that found no backend writes its own access line). */
    void countStatus(int code) {
        int i = 0;
        while (i < STATUSES.length && STATUSES[i] != code) {
            i++;
        }
        counts[i].increment();
    }

    /**
     * Counts and logs one answer; {@code request} is null when the head could not be read at all. Its body goes out
     * unless the request is a HEAD one that parsed.
     */
    void answered(ProxyRuntime runtime, Channel client, HttpRequest request, HttpResponseStatus status) {
        int code = status.code();
        countStatus(code);
        AccessLog log = runtime.accessLog();
        if (log.enabled()) {
            boolean known = request != null && request.decoderResult().isSuccess();
            String ip = clientIp(runtime, ProxyProtocolHandler.clientAddress(client), known ? request : null);
            String method = known ? request.method().name() : null;
            String target = known ? request.uri() : null;
            log.log(new AccessRecord(ip, method, target, null, null, null, code,
                    ErrorResponses.bodyBytes(status, known && request.method().equals(HttpMethod.HEAD)), -1, -1, null));
        }
    }

    /**
     * The client as a forwarded request's line names it: behind a trusted proxy, the one its forwarding fields name
     * ({@code trusted-proxies}), so that a client's refused requests are not all logged as the proxy's. Not for a head
     * that failed to parse, whose fields cannot be read.
     */
    private static String clientIp(ProxyRuntime runtime, SocketAddress address, HttpRequest parsed) {
        if (!(address instanceof InetSocketAddress a) || a.getAddress() == null) {
            return String.valueOf(address);
        }
        InetAddress peer = a.getAddress();
        if (parsed != null) {
            peer = runtime.upstreams().clientAddresses().resolve(peer, parsed.headers());
        }
        return NetUtil.toAddressString(peer);
    }
}
