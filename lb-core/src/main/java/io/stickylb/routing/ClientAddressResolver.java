package io.stickylb.routing;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.NetUtil;
import io.stickylb.config.CidrRange;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Decides who the client is: the TCP peer, unless the peer is a trusted proxy, in which case the right-most address
 * of {@code X-Forwarded-For} (or {@code Forwarded: for=}) that is not itself trusted. A client outside the trusted
 * ranges cannot pick its backend by forging these headers.
 */
public final class ClientAddressResolver {

    private final CidrRange[] trusted;

    public ClientAddressResolver(List<CidrRange> trustedProxies) {
        this.trusted = trustedProxies.toArray(new CidrRange[0]);
    }

    public boolean isTrusted(InetAddress peer) {
        if (trusted.length == 0) {
            return false;
        }
        byte[] a = peer.getAddress();
        for (CidrRange r : trusted) {
            if (r.contains(a)) {
                return true;
            }
        }
        return false;
    }

    /** The client address for this request; {@code peer} when it is not trusted or the headers say nothing usable. */
    public InetAddress resolve(InetAddress peer, HttpHeaders headers) {
        if (!isTrusted(peer)) {
            return peer;
        }
        InetAddress fromXff = rightmostUntrusted(headers.getAll("x-forwarded-for"), false);
        if (fromXff != null) {
            return fromXff;
        }
        InetAddress fromForwarded = rightmostUntrusted(headers.getAll("forwarded"), true);
        return fromForwarded != null ? fromForwarded : peer;
    }

    private InetAddress rightmostUntrusted(List<String> values, boolean forwardedSyntax) {
        InetAddress last = null;
        for (int v = values.size() - 1; v >= 0; v--) {
            String[] parts = values.get(v).split(",");
            for (int i = parts.length - 1; i >= 0; i--) {
                InetAddress a = parse(forwardedSyntax ? forValue(parts[i]) : withoutPort(parts[i].trim()));
                if (a == null) {
                    // An unparsable hop breaks the chain of trust: stop and use what we have.
                    return last;
                }
                last = a;
                if (!isTrusted(a)) {
                    return a;
                }
            }
        }
        return last;
    }

    /** Extracts the address of {@code for=} from one Forwarded element (RFC 7239), without quotes, brackets or port. */
    private static String forValue(String element) {
        for (String pair : element.split(";")) {
            String p = pair.trim();
            if (p.regionMatches(true, 0, "for=", 0, 4)) {
                String v = p.substring(4).trim();
                if (v.startsWith("\"") && v.endsWith("\"") && v.length() >= 2) {
                    v = v.substring(1, v.length() - 1);
                }
                return withoutPort(v);
            }
        }
        return "";
    }

    /**
     * The address of {@code [v6]:port}, {@code [v6]} or {@code v4:port}; anything else as it is. Proxies that write
     * the client's port into X-Forwarded-For (Azure Application Gateway, IIS ARR) write these forms: unread, such a
     * hop broke the chain, and every client behind that proxy was hashed and logged as the proxy itself.
     */
    private static String withoutPort(String v) {
        if (v.startsWith("[")) {
            int end = v.indexOf(']');
            // A port may follow (RFC 7239 allows an obfuscated one, :_abc), nothing else.
            return end > 0 && (end == v.length() - 1 || v.charAt(end + 1) == ':') ? v.substring(1, end) : "";
        }
        int colon = v.indexOf(':');
        return colon > 0 && v.indexOf(':', colon + 1) < 0 ? v.substring(0, colon) : v;
    }

    /** Parses an IP literal without any DNS lookup; null when it is not one. */
    static InetAddress parse(String text) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(text);
        if (bytes == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
