package io.stickylb.codec;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.List;

/** Byte-level pieces of HTTP/1.x parsing (RFC 9110 §5.6, RFC 9112 §5–7) shared by the request and response decoders. */
final class HeadBytes {

    private static final byte TOKEN = 1;
    private static final byte CONTROL = 2;
    /** Per byte value: {@link #TOKEN} and {@link #CONTROL} bits, so a field line is scanned once, by table. */
    private static final byte[] CLASS = new byte[256];

    static {
        for (int c = 0; c < 256; c++) {
            CLASS[c] = (byte) ((isTokenChar((byte) c) ? TOKEN : 0) | (isControl((byte) c) ? CONTROL : 0));
        }
    }

    /**
     * Eight bytes of an array as one little-endian long: the scans over field values, request targets and lines test
     * eight bytes per step (SWAR), where a byte-by-byte loop cost about a nanosecond per byte of a head.
     */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    private HeadBytes() {
    }

    /**
     * The high bit of each byte of {@code x} that is below {@code n} (at most 0x80). A borrow can only mark bytes
     * above a marked one, so the lowest mark (the first byte in memory) is exact, and no mark means no such byte.
     */
    private static long below(long x, int n) {
        return (x - ONES * n) & ~x & HIGHS;
    }

    /** The high bit of each byte of {@code x} equal to {@code value}; exact as {@link #below}. */
    private static long equal(long x, int value) {
        return below(x ^ ONES * value, 1);
    }

    /** The array index of the first byte {@code mask} marks in the eight read at {@code at}. */
    private static int first(int at, long mask) {
        return at + (Long.numberOfTrailingZeros(mask) >>> 3);
    }

    /** The first index in [from, to) that is not a token character, or {@code to}. */
    static int tokenEnd(byte[] b, int from, int to) {
        int i = from;
        while (i < to && (CLASS[b[i] & 0xff] & TOKEN) != 0) {
            i++;
        }
        return i;
    }

    /** The first index in [from, to) holding a control character (CR and LF are; HTAB is not), or {@code to}. */
    static int controlAt(byte[] b, int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long x = (long) LONGS.get(b, i);
            long mark = below(x, 0x20) | equal(x, 0x7f);
            if (mark != 0) {
                int c = first(i, mark);
                if (b[c] != '\t') {
                    return c;
                }
                // An HTAB, which values may hold: the rest of these eight byte by byte.
                c = controlByByte(b, c + 1, i + 8);
                if (c < i + 8) {
                    return c;
                }
            }
        }
        return controlByByte(b, i, to);
    }

    private static int controlByByte(byte[] b, int from, int to) {
        int i = from;
        while (i < to && (CLASS[b[i] & 0xff] & CONTROL) == 0) {
            i++;
        }
        return i;
    }

    /**
     * The first index in [from, to) that cannot be in a request target (RFC 9112 §3.2: visible ASCII, 0x21–0x7E),
     * or {@code to}.
     */
    static int targetEnd(byte[] b, int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long x = (long) LONGS.get(b, i);
            long stop = below(x, 0x21) | equal(x, 0x7f) | (x & HIGHS);
            if (stop != 0) {
                return first(i, stop);
            }
        }
        while (i < to && b[i] > ' ' && b[i] < 0x7f) { // also every byte >= 0x80, negative as a byte
            i++;
        }
        return i;
    }

    /** True when a CRLF starts at {@code i} within [.., to). */
    static boolean crlfAt(byte[] b, int i, int to) {
        return i + 1 < to && b[i] == '\r' && b[i + 1] == '\n';
    }

    /** The end of a line's content: {@code lf}, or the CR just before it. */
    static int lineEnd(byte[] b, int start, int lf) {
        return lf > start && b[lf - 1] == '\r' ? lf - 1 : lf;
    }

    static int trimEnd(byte[] b, int start, int end) {
        while (end > start && isWhite(b[end - 1])) {
            end--;
        }
        return end;
    }

    static boolean isWhite(byte c) {
        return c == ' ' || c == '\t';
    }

    /** A control character other than HTAB, or DEL. */
    static boolean isControl(byte c) {
        return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f;
    }

    /** True when [from, to) holds no control character. */
    static boolean noControls(byte[] b, int from, int to) {
        return controlAt(b, from, to) == to;
    }

    /** RFC 9110 §5.6.2 tchar. */
    static boolean isTokenChar(byte c) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            return true;
        }
        return switch (c) {
            case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~' -> true;
            default -> false;
        };
    }

    /** True when [from, to) is a non-empty token. */
    static boolean isToken(byte[] b, int from, int to) {
        if (from >= to) {
            return false;
        }
        return tokenEnd(b, from, to) == to;
    }

    /** Case-insensitive match of the bytes at {@code start} against a lower-case name. */
    static boolean nameIs(byte[] b, int start, String lowerName) {
        for (int i = 0; i < lowerName.length(); i++) {
            int c = b[start + i];
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            if (c != lowerName.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The first index in [from, to) that is not SP or HTAB, or {@code to}. */
    static int skipWhite(byte[] b, int from, int to) {
        int i = from;
        while (i < to && isWhite(b[i])) {
            i++;
        }
        return i;
    }

    /**
     * The Content-Length in [from, to), given the one seen before in the same head (-1 for none).
     *
     * @throws IllegalArgumentException when it is the second one or not a plain number
     */
    static long contentLength(long seen, byte[] b, int from, int to) {
        if (seen >= 0) {
            throw new IllegalArgumentException("more than one Content-Length");
        }
        long n = digits(b, from, to);
        if (n < 0) {
            throw new IllegalArgumentException("Content-Length is not a number");
        }
        return n;
    }

    /** A Content-Length value: 1 to 18 digits and nothing else; -1 when it is anything else. */
    private static long digits(byte[] b, int from, int to) {
        if (from == to || to - from > 18) {
            return -1;
        }
        long n = 0;
        for (int i = from; i < to; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            n = n * 10 + d;
        }
        return n;
    }

    /** True when the comma-separated list in [from, to) holds {@code lowerToken}, ignoring case and white space. */
    static boolean hasToken(byte[] b, int from, int to, String lowerToken) {
        return findToken(b, from, to, lowerToken);
    }

    /**
     * True when the Connection list in [from, to) names anything besides {@code close} and {@code keep-alive}: a field
     * that must be removed along with it (RFC 9110 §7.6.1).
     */
    static boolean namesOtherFields(byte[] b, int from, int to) {
        return findToken(b, from, to, null);
    }

    /** Looks for {@code wanted} in a comma-separated list, or with null for a token other than close / keep-alive. */
    private static boolean findToken(byte[] b, int from, int to, String wanted) {
        int start = from;
        while (start < to) {
            int comma = indexOf(b, start, to, (byte) ',');
            int end = comma < 0 ? to : comma;
            int s = skipWhite(b, start, end);
            int e = trimEnd(b, s, end);
            boolean found = wanted != null ? e - s == wanted.length() && nameIs(b, s, wanted)
                    : e > s && !(e - s == 5 && nameIs(b, s, "close")) && !(e - s == 10 && nameIs(b, s, "keep-alive"));
            if (found) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    /** Like {@code ByteBuf.indexOf}: searches [from, to) forwards, or [to, from) backwards when from > to. */
    static int indexOf(byte[] b, int from, int to, byte value) {
        if (from <= to) {
            int i = from;
            for (; i + 8 <= to; i += 8) {
                long hit = equal((long) LONGS.get(b, i), value & 0xff);
                if (hit != 0) {
                    return first(i, hit);
                }
            }
            for (; i < to; i++) {
                if (b[i] == value) {
                    return i;
                }
            }
        } else {
            for (int i = from - 1; i >= to; i--) {
                if (b[i] == value) {
                    return i;
                }
            }
        }
        return -1;
    }

    /** The largest chunk accepted (1 TiB): far beyond any real one, and no overflow while reading the digits. */
    private static final long MAX_CHUNK_SIZE = 1L << 40;

    /** The first index at or after {@code from} that is not a CR or LF (line breaks before or between messages). */
    static int skipLineBreaks(ByteBuf in, int from, int end) {
        int i = from;
        while (i < end && (in.getByte(i) == '\r' || in.getByte(i) == '\n')) {
            i++;
        }
        return i;
    }

    /**
     * Passes on what has arrived of a body of {@code remaining} more bytes as a slice of {@code in}, and its end once
     * complete; returns the bytes still to come.
     */
    static long passBody(ByteBuf in, List<Object> out, long remaining) {
        int n = (int) Math.min(in.readableBytes(), remaining);
        out.add(new DefaultHttpContent(in.readRetainedSlice(n)));
        if (remaining == n) {
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        return remaining - n;
    }

    /**
     * The index just past the empty line that ends a head, or -1 when it has not arrived yet. A bare LF counts as a
     * line end here; whether it is accepted is the parser's business.
     */
    static int findHeadEnd(ByteBuf in, int from, int end) {
        int i = from;
        while (i < end) {
            int lf = in.indexOf(i, end, (byte) '\n');
            if (lf < 0 || lf + 1 >= end) {
                return -1;
            }
            byte next = in.getByte(lf + 1);
            if (next == '\n') {
                return lf + 2;
            }
            if (next == '\r') {
                if (lf + 2 >= end) {
                    return -1;
                }
                if (in.getByte(lf + 2) == '\n') {
                    return lf + 3;
                }
            }
            i = lf + 1;
        }
        return -1;
    }

    /**
     * The size in a chunk-size line (RFC 9112 §7.1): hex digits, then optionally extensions after a semicolon
     * (passed over, never interpreted, but free of control characters); -1 when malformed.
     */
    static long chunkSize(ByteBuf in, int from, int to) {
        long size = 0;
        int i = from;
        for (; i < to; i++) {
            int d = Character.digit(in.getByte(i), 16);
            if (d < 0) {
                break;
            }
            size = size * 16 + d;
            if (size > MAX_CHUNK_SIZE) {
                return -1;
            }
        }
        if (i == from) {
            return -1;
        }
        while (i < to && isWhite(in.getByte(i))) {
            i++;
        }
        if (i == to) {
            return size;
        }
        if (in.getByte(i) != ';') {
            return -1;
        }
        for (; i < to; i++) {
            if (isControl(in.getByte(i))) {
                return -1;
            }
        }
        return size;
    }

    /**
     * True for the hop-by-hop field names a proxy always removes (RFC 9110 §7.6.1): Connection, Keep-Alive,
     * Proxy-Connection, TE, Trailer, Upgrade. The name is {@code b[start, start + len)}.
     */
    static boolean isHopByHop(byte[] b, int start, int len) {
        return switch (len) {
            case 2 -> nameIs(b, start, "te");
            case 7 -> nameIs(b, start, "trailer") || nameIs(b, start, "upgrade");
            case 10 -> nameIs(b, start, "connection") || nameIs(b, start, "keep-alive");
            case 16 -> nameIs(b, start, "proxy-connection");
            default -> false;
        };
    }
}
