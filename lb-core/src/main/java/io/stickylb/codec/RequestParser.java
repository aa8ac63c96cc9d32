package io.stickylb.codec;

import static io.stickylb.codec.HeadBytes.controlAt;
import static io.stickylb.codec.HeadBytes.crlfAt;
import static io.stickylb.codec.HeadBytes.hasToken;
import static io.stickylb.codec.HeadBytes.indexOf;
import static io.stickylb.codec.HeadBytes.isToken;
import static io.stickylb.codec.HeadBytes.isWhite;
import static io.stickylb.codec.HeadBytes.nameIs;
import static io.stickylb.codec.HeadBytes.tokenEnd;
import static io.stickylb.codec.HeadBytes.trimEnd;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.nio.charset.StandardCharsets;

/**
 * Parses one complete request head in place and works out the body's framing (RFC 9112 §6). Strict throughout, as
 * a proxy in front of other parsers must be: a request stickylb reads one way and a backend another is how requests
 * are smuggled. Every line ends in CRLF; the request line is {@code method SP target SP HTTP/d.d}; field names are
 * tokens right before their colon; no obsolete folding; no control characters; one Content-Length of plain digits,
 * never with Transfer-Encoding; a Transfer-Encoding ends in chunked, names it once, and only on HTTP/1.1.
 */
final class RequestParser {

    /** How the end of a request line looks: the version, {@code d} for any digit, then CRLF. */
    private static final String VERSION_SHAPE = "HTTP/d.d\r\n";

    private RequestParser() {
    }

    /**
     * Parses the head in {@code buf} at {@code [from, from + length)}: request line to empty line.
     *
     * @throws TooLongHttpLineException when the request line is longer than {@code maxLine} (414)
     * @throws TooLongHttpHeaderException when the fields take more than {@code maxFields} bytes (431)
     * @throws IllegalArgumentException when the head is malformed (400)
     */
    static ClientRequest parse(ByteBuf buf, int from, int length, int maxLine, int maxFields) {
        byte[] head = new byte[length];
        buf.getBytes(from, head);
        int end = head.length;
        int lf = indexOf(head, 0, end, (byte) '\n');
        if (lf - 1 > maxLine) {
            throw new TooLongHttpLineException("request line longer than " + maxLine + " bytes");
        }
        if (lf < 1 || head[lf - 1] != '\r') {
            throw bad("request line not ended by CRLF");
        }
        int lineEnd = lf - 1;
        if (end - lf - 3 > maxFields) {
            throw new TooLongHttpHeaderException("header fields larger than " + maxFields + " bytes");
        }
        String malformed = malformedLine(head, 0, lf + 1);
        if (malformed != null) {
            throw bad(malformed);
        }
        int sp1 = indexOf(head, 0, lineEnd, (byte) ' ');
        // The line is valid, so the target ends at the second space, and is scanned as fast as malformedLine does.
        int sp2 = HeadBytes.targetEnd(head, sp1 + 1, lineEnd);
        HttpVersion version = version(head, sp2 + 1);
        HttpMethod method = method(head, sp1);
        String uri = new String(head, sp1 + 1, sp2 - sp1 - 1, StandardCharsets.ISO_8859_1);

        RawHeaders fields = new RawHeaders(head);
        long contentLength = -1;
        boolean transferEncoding = false;
        int chunkedCodings = 0;
        boolean lastIsChunked = false;
        boolean close = false;
        boolean keepAliveToken = false;
        boolean hopByHop = false;
        boolean forwarded = false;
        int pos = lf + 1;
        int fieldsStart = pos;
        // Each field line in one pass: token characters up to the colon, then value bytes up to the first control
        // character, which must be the CR of a CRLF.
        while (true) {
            if (crlfAt(head, pos, end)) {
                break; // the empty line; the received span ends before it
            }
            if (pos < end && isWhite(head[pos])) {
                throw bad("obsolete line folding");
            }
            int colon = tokenEnd(head, pos, end);
            if (colon == pos || colon == end || head[colon] != ':') {
                throw bad(colon < end && head[colon] == '\n' ? "field line not ended by CRLF" : "malformed field name");
            }
            int valueStart = HeadBytes.skipWhite(head, colon + 1, end);
            int cr = controlAt(head, valueStart, end);
            if (!crlfAt(head, cr, end)) {
                throw bad(cr == end || head[cr] == '\n' ? "field line not ended by CRLF"
                        : "control character in a field value");
            }
            int valueEnd = trimEnd(head, valueStart, cr);
            fields.addField(pos, colon, valueStart, valueEnd);

            if (HeadBytes.isHopByHop(head, pos, colon - pos)) {
                hopByHop = true;
                fields.markLastHopByHop();
            }
            switch (colon - pos) {
                case 9 -> forwarded |= nameIs(head, pos, "forwarded");
                case 14 -> {
                    if (nameIs(head, pos, "content-length")) {
                        contentLength = HeadBytes.contentLength(contentLength, head, valueStart, valueEnd);
                    }
                }
                case 17 -> {
                    if (nameIs(head, pos, "transfer-encoding")) {
                        transferEncoding = true;
                        int[] chunked = chunkedCodings(head, valueStart, valueEnd);
                        chunkedCodings += chunked[0];
                        lastIsChunked = chunked[1] == 1;
                    }
                }
                case 10 -> {
                    if (nameIs(head, pos, "connection")) {
                        close |= hasToken(head, valueStart, valueEnd, "close");
                        keepAliveToken |= hasToken(head, valueStart, valueEnd, "keep-alive");
                        if (HeadBytes.namesOtherFields(head, valueStart, valueEnd)) {
                            fields.markConnectionNamesFields();
                        }
                    }
                }
                default -> {
                }
            }
            pos = cr + 2;
        }
        fields.seal();
        fields.receivedSpan(fieldsStart, pos);
        if (transferEncoding) {
            if (contentLength >= 0) {
                throw bad("both Content-Length and Transfer-Encoding");
            }
            if (version != HttpVersion.HTTP_1_1) {
                throw bad("Transfer-Encoding in an HTTP/1.0 request");
            }
            if (chunkedCodings != 1 || !lastIsChunked) {
                throw bad("Transfer-Encoding does not end in chunked, once");
            }
        }
        boolean keepAlive = !close && (version == HttpVersion.HTTP_1_1 || keepAliveToken);
        return new ClientRequest(head, lineEnd, fields, version, method, uri, contentLength, transferEncoding,
                keepAlive, hopByHop, forwarded);
    }

    /**
     * The request line's grammar, {@code method SP target SP HTTP/d.d CRLF}, checked over {@code b[from, to)}: the
     * whole line with its LF (from {@link #parse}), or the start of one that arrived ahead of the rest of its head
     * (from the decoder), so that what can never become a request line (a TLS handshake, binary noise, a bad method
     * or separator) is refused at once instead of at the header timeout. Returns why the bytes are malformed, or null
     * when they are a valid line or may still become one. Which version is served is decided later (505).
     */
    static String malformedLine(byte[] b, int from, int to) {
        int i = from;
        while (i < to && HeadBytes.isTokenChar(b[i])) {
            i++;
        }
        if (i == to) {
            return null;
        }
        if (i == from || b[i] != ' ') {
            return "malformed method";
        }
        int targetStart = ++i;
        i = HeadBytes.targetEnd(b, i, to);
        if (i == to) {
            return null;
        }
        byte stop = b[i];
        if (i == targetStart || stop == '\r' || stop == '\n') {
            return "malformed request line";
        }
        if (stop != ' ') {
            return "malformed request target";
        }
        i++;
        for (int k = 0; k < VERSION_SHAPE.length() && i + k < to; k++) {
            char want = VERSION_SHAPE.charAt(k);
            if (want == 'd' ? !isDigit(b[i + k]) : b[i + k] != want) {
                return k < 8 ? "malformed HTTP version" : "request line not ended by CRLF";
            }
        }
        return null;
    }

    /** The version of a line {@link #malformedLine} passed: {@code HTTP/d.d} at {@code from}. */
    private static HttpVersion version(byte[] b, int from) {
        int major = b[from + 5] - '0';
        int minor = b[from + 7] - '0';
        if (major == 1 && minor == 1) {
            return HttpVersion.HTTP_1_1;
        }
        if (major == 1 && minor == 0) {
            return HttpVersion.HTTP_1_0;
        }
        return new HttpVersion("HTTP", major, minor, false);
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    /** The common methods as Netty's constants without building a string; others by name. */
    private static HttpMethod method(byte[] b, int len) {
        switch (len) {
            case 3 -> {
                if (b[0] == 'G' && b[1] == 'E' && b[2] == 'T') {
                    return HttpMethod.GET;
                }
                if (b[0] == 'P' && b[1] == 'U' && b[2] == 'T') {
                    return HttpMethod.PUT;
                }
            }
            case 4 -> {
                if (b[0] == 'P' && b[1] == 'O' && b[2] == 'S' && b[3] == 'T') {
                    return HttpMethod.POST;
                }
                if (b[0] == 'H' && b[1] == 'E' && b[2] == 'A' && b[3] == 'D') {
                    return HttpMethod.HEAD;
                }
            }
            default -> {
            }
        }
        return HttpMethod.valueOf(new String(b, 0, len, StandardCharsets.ISO_8859_1));
    }

    /**
     * How often {@code chunked} appears among the codings in [from, to), and whether it is the last one: {count,
     * last ? 1 : 0}. A coding that is not a token (an empty list element included), or chunked with parameters, is
     * malformed.
     */
    private static int[] chunkedCodings(byte[] b, int from, int to) {
        int count = 0;
        boolean last = false;
        int start = from;
        do {
            int comma = indexOf(b, start, to, (byte) ',');
            int e = comma < 0 ? to : comma;
            int s = HeadBytes.skipWhite(b, start, e);
            int t = trimEnd(b, s, e);
            int semi = indexOf(b, s, t, (byte) ';');
            int nameEnd = trimEnd(b, s, semi < 0 ? t : semi);
            if (!isToken(b, s, nameEnd)) {
                throw bad("malformed transfer coding");
            }
            last = nameEnd - s == 7 && nameIs(b, s, "chunked");
            if (last) {
                if (semi >= 0) {
                    // chunked has no parameters (RFC 9112 §7.1): a backend that does not see plain chunked here may
                    // read no body at all, and the chunk data as its next request.
                    throw bad("parameters on the chunked coding");
                }
                count++;
            }
            start = e + 1;
        } while (start <= to);
        return new int[] {count, last ? 1 : 0};
    }

    private static IllegalArgumentException bad(String why) {
        return new IllegalArgumentException(why);
    }
}
