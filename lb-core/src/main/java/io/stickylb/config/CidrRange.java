package io.stickylb.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 address range in CIDR notation ({@code 10.0.0.0/8}, {@code ::1/128}); a bare address is a /32 or
 * /128.
 */
public record CidrRange(byte[] network, int prefixLength, String text) {

    private static final Pattern IPV4 =
            Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

    public CidrRange {
        network = network.clone();
    }

    /** Parses CIDR text; throws {@link IllegalArgumentException} naming the problem. */
    public static CidrRange parse(String text) {
        String s = text == null ? "" : text.trim();
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        if (!isIpLiteral(addr)) {
            throw new IllegalArgumentException("'" + text + "' is not a CIDR range (e.g. 10.0.0.0/8)");
        }
        byte[] bytes;
        try {
            // Only literals reach here (checked above), so this never does a DNS lookup.
            bytes = InetAddress.getByName(addr).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "' is not a CIDR range (e.g. 10.0.0.0/8)");
        }
        // Java reads ::ffff:10.0.0.0 as 10.0.0.0, and so are such peers seen: /104 of it is that address's /8.
        int mapped = bytes.length == 4 && addr.indexOf(':') >= 0 ? 96 : 0;
        int max = bytes.length * 8 + mapped;
        int prefix = max;
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > max
                    || Integer.parseInt(p) < mapped) {
                throw new IllegalArgumentException(
                        "'" + text + "' has an invalid prefix length (expected: " + mapped + ".." + max + ")");
            }
            prefix = Integer.parseInt(p);
        }
        prefix -= mapped;
        return new CidrRange(bytes, prefix, s);
    }

    /**
     * Dotted-quad IPv4 or anything with a colon (IPv6). Hex-only words like {@code cafe} would otherwise reach
     * {@link InetAddress#getByName} as host names and trigger a DNS lookup.
     */
    private static boolean isIpLiteral(String addr) {
        if (addr.indexOf(':') >= 0) {
            return addr.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':');
        }
        return IPV4.matcher(addr).matches();
    }

    /**
     * True when the address has bits set beyond the prefix ({@code 10.0.0.1/8}): the range still means the network
     * (10.0.0.0/8), as nginx reads it, but the writer may have meant a single host.
     */
    public boolean hasHostBits() {
        return !Arrays.equals(network, masked());
    }

    /** The network address and prefix, in the shortest notation ({@code 10.0.0.0/8}, {@code 2001:db8::/32}). */
    public String networkText() {
        return format(masked()) + "/" + prefixLength;
    }

    private byte[] masked() {
        byte[] bytes = network.clone();
        for (int bit = prefixLength; bit < bytes.length * 8; bit++) {
            bytes[bit / 8] &= (byte) ~(0x80 >> bit % 8);
        }
        return bytes;
    }

    /** Dotted quad, or RFC 5952 IPv6 text: lower case, the longest run of two or more zero groups as {@code ::}. */
    private static String format(byte[] bytes) {
        if (bytes.length == 4) {
            return (bytes[0] & 0xFF) + "." + (bytes[1] & 0xFF) + "." + (bytes[2] & 0xFF) + "." + (bytes[3] & 0xFF);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (bytes[2 * i] & 0xFF) << 8 | bytes[2 * i + 1] & 0xFF;
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; i++) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }

    /** True when {@code address} (4 or 16 bytes) lies in this range. */
    public boolean contains(byte[] address) {
        if (address.length != network.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xFF00 >> rest & 0xFF;
        return (address[full] & mask) == (network[full] & mask);
    }

    public boolean contains(InetAddress address) {
        return contains(address.getAddress());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CidrRange c && c.prefixLength == prefixLength && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefixLength;
    }

    @Override
    public String toString() {
        return text;
    }
}
