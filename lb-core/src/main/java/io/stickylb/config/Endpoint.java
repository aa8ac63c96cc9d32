package io.stickylb.config;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A host and port as written in config ({@code 127.0.0.1:9001}, {@code [::1]:80}, {@code app.internal:8080}). A
 * backend's host name is looked up off the event loops ({@code io.stickylb.backend.BackendAddresses}).
 */
public record Endpoint(String host, int port) {

    private static final Pattern LOOPBACK_V4 = Pattern.compile("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");

    public Endpoint {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("empty host");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
    }

    /**
     * Parses {@code host:port} or {@code [v6]:port}; throws {@link IllegalArgumentException} with a readable reason.
     */
    public static Endpoint parse(String text) {
        String s = text == null ? "" : text.trim();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("'" + text + "' is not host:port (e.g. 127.0.0.1:9001)");
        }
        String host = s.substring(0, colon);
        String portText = s.substring(colon + 1);
        if (host.startsWith("[")) {
            if (!host.endsWith("]") || host.length() < 3) {
                throw new IllegalArgumentException("'" + text + "' has a malformed IPv6 host (expected [addr]:port)");
            }
            host = host.substring(1, host.length() - 1);
            // Else [:::1] or [foo] passed validation and lb run died binding it, or dialled a host name forever.
            if (!NetUtil.isValidIpV6Address(host)) {
                throw new IllegalArgumentException("'" + text + "': '" + host + "' is not an IPv6 address");
            }
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("'" + text + "': IPv6 addresses must be bracketed, e.g. [::1]:9001");
        }
        if (!host.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == ':' || c == '_')) {
            throw new IllegalArgumentException("'" + text + "' has an invalid host '" + host + "'");
        }
        if (portText.isEmpty() || portText.length() > 5 || !portText.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("'" + text + "' has an invalid port '" + portText
                    + "' (expected: 0..65535)");
        }
        int port = Integer.parseInt(portText);
        if (port > 65535) {
            throw new IllegalArgumentException("'" + text + "' has an invalid port " + port + " (expected: 0..65535)");
        }
        return new Endpoint(host, port);
    }

    /** A resolved socket address, for binding listeners. */
    public InetSocketAddress toBindAddress() {
        return new InetSocketAddress(host, port);
    }

    /** True when the host is a loopback name or address (127.0.0.0/8, ::1, localhost). */
    public boolean isLoopback() {
        // A numeric 127.x.y.z only: a host name such as 127.example.com may resolve anywhere.
        if (host.equals("localhost") || LOOPBACK_V4.matcher(host).matches()) {
            return true;
        }
        // An IPv6 literal in any of its spellings (::1, 0::1, ::ffff:127.0.0.1), parsed without a lookup.
        byte[] bytes = host.indexOf(':') < 0 ? null : NetUtil.createByteArrayFromIpAddressString(host);
        try {
            return bytes != null && InetAddress.getByAddress(bytes).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
