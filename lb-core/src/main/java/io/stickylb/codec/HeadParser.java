package io.stickylb.codec;

import static io.stickylb.codec.HeadBytes.controlAt;
import static io.stickylb.codec.HeadBytes.crlfAt;
import static io.stickylb.codec.HeadBytes.hasToken;
import static io.stickylb.codec.HeadBytes.indexOf;
import static io.stickylb.codec.HeadBytes.isControl;
import static io.stickylb.codec.HeadBytes.isWhite;
import static io.stickylb.codec.HeadBytes.lineEnd;
import static io.stickylb.codec.HeadBytes.nameIs;
import static io.stickylb.codec.HeadBytes.tokenEnd;
import static io.stickylb.codec.HeadBytes.trimEnd;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Arrays;

/**
 * Parses one complete response head (status line, fields, empty line) in place and works out the body's framing
 * (RFC 9112 §6.3). Strict where a proxy must be: one Content-Length, never together with Transfer-Encoding, field
 * names made of token characters, no control characters in values; lenient where it can be safely: bare LF line
 * ends, white space before a colon and obsolete folds are cleaned up on the way out.
 */
final class HeadParser {

    /** The smallest head copy allocated: room for a typical response head, so later heads can reuse it. */
    private static final int MIN_HEAD_BYTES = 512;
    /** Field positions allocated at first: four ints for each of 16 fields, grown when a head has more. */
    private static final int FIRST_POSITIONS = 4 * 16;

    private HeadParser() {
    }

    /**
     * Parses {@code buf[from, from + length)}, a complete head from its status line to its empty line; the caller
     * then hands the result its bytes ({@link BackendResponse#received}). Reads a copy in a byte array: a head is
     * small and array access beats a buffer's checked reads. {@code finished}: an earlier response of the same
     * connection that nobody reads any more ({@link BackendResponse#finished}), whose arrays are reused; or null.
     */
    static BackendResponse parse(ByteBuf buf, int from, int length, int maxLine, boolean headRequest,
                                 BackendResponse finished) {
        byte[] head = finished != null && finished.fields().source().length >= length ? finished.fields().source()
                : new byte[Math.max(length, MIN_HEAD_BYTES)];
        buf.getBytes(from, head, 0, length);
        int end = length;
        int pos = 0;
        int lf = indexOf(head, pos, end, (byte) '\n');
        int lineEnd = lineEnd(head, pos, lf);
        if (lineEnd - pos > maxLine) {
            throw bad("status line too long");
        }
        if (lineEnd - pos < 12 || !isHttp1(head, pos)) {
            throw bad("not an HTTP/1.x status line");
        }
        HttpVersion version = head[pos + 7] == '1' ? HttpVersion.HTTP_1_1 : HttpVersion.HTTP_1_0;
        int codeStart = pos + 9;
        int code = 0;
        for (int i = codeStart; i < codeStart + 3; i++) {
            int d = head[i] - '0';
            if (d < 0 || d > 9) {
                throw bad("status code is not three digits");
            }
            code = code * 10 + d;
        }
        if (codeStart + 3 < lineEnd && head[codeStart + 3] != ' ') {
            throw bad("status code is not three digits");
        }
        for (int i = codeStart + 3; i < lineEnd; i++) {
            if (isControl(head[i])) {
                throw bad("control character in the reason phrase");
            }
        }

        RawHeaders fields = new RawHeaders(head, finished != null ? finished.fields().positions()
                : new int[FIRST_POSITIONS]);
        long contentLength = -1;
        boolean transferEncoding = false;
        boolean chunked = false;
        boolean close = false;
        boolean keepAliveToken = false;
        boolean hopByHop = false;
        // Bare LF line ends are read (RFC 9112 section 2.2 lets a recipient), not passed on: such heads are rewritten.
        boolean crlfLines = lineEnd != lf;
        pos = lf + 1;
        int fieldsStart = pos;
        while (true) {
            // The common line in one pass: token characters, a colon, value bytes up to the CR of a CRLF. Anything
            // else (the empty line, bare LF, folds, white space before the colon, errors) takes the general path.
            int nameEnd = tokenEnd(head, pos, end);
            int valueStart = -1;
            int valueEnd = -1;
            int next = -1;
            if (nameEnd > pos && nameEnd < end && head[nameEnd] == ':') {
                valueStart = HeadBytes.skipWhite(head, nameEnd + 1, end);
                int cr = controlAt(head, valueStart, end);
                if (crlfAt(head, cr, end)) {
                    valueEnd = trimEnd(head, valueStart, cr);
                    next = cr + 2;
                }
            }
            if (next < 0) {
                lf = indexOf(head, pos, end, (byte) '\n');
                int le = lineEnd(head, pos, lf);
                crlfLines &= le != lf;
                if (le == pos) {
                    break;
                }
                if (isWhite(head[pos])) {
                    // Folds after a field are taken with it, below: this one follows the status line.
                    throw bad("continuation line before the first field");
                }
                int colon = indexOf(head, pos, le, (byte) ':');
                if (colon < 0) {
                    throw bad("field line without a colon");
                }
                nameEnd = colon;
                while (nameEnd > pos && isWhite(head[nameEnd - 1])) {
                    nameEnd--;
                    fields.markRewritten();
                }
                if (nameEnd == pos) {
                    throw bad("empty field name");
                }
                if (!HeadBytes.isToken(head, pos, nameEnd)) {
                    throw bad("invalid character in a field name");
                }
                valueStart = HeadBytes.skipWhite(head, colon + 1, le);
                valueEnd = trimEnd(head, valueStart, le);
                checkValue(head, valueStart, valueEnd);
                next = lf + 1;
            }
            if (next < end && isWhite(head[next])) {
                // RFC 9112 §5.2: obs-folds become spaces before the value is interpreted, so the framing read here
                // is the one the relayed (unfolded) field says.
                valueEnd = unfold(head, valueStart, valueEnd, next, end);
                next = indexOf(head, valueEnd, end, (byte) '\n') + 1;
                fields.markRewritten();
            }
            fields.addField(pos, nameEnd, valueStart, valueEnd);

            if (HeadBytes.isHopByHop(head, pos, nameEnd - pos)) {
                hopByHop = true;
                fields.markLastHopByHop();
            }
            switch (nameEnd - pos) {
                case 14 -> {
                    if (nameIs(head, pos, "content-length")) {
                        contentLength = HeadBytes.contentLength(contentLength, head, valueStart, valueEnd);
                    }
                }
                case 17 -> {
                    if (nameIs(head, pos, "transfer-encoding")) {
                        transferEncoding = true;
                        chunked = lastCodingIsChunked(head, valueStart, valueEnd);
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
            pos = next;
        }

        fields.seal();
        if (crlfLines) {
            fields.receivedSpan(fieldsStart, pos);
        } else {
            fields.markRewritten();
        }
        if (transferEncoding && contentLength >= 0) {
            throw bad("both Content-Length and Transfer-Encoding");
        }
        BackendResponse.Framing framing;
        if (code < 200 || code == 204 || code == 304 || headRequest) {
            framing = BackendResponse.Framing.NONE;
        } else if (transferEncoding) {
            framing = chunked ? BackendResponse.Framing.CHUNKED : BackendResponse.Framing.UNTIL_CLOSE;
        } else if (contentLength >= 0) {
            framing = BackendResponse.Framing.LENGTH;
        } else {
            framing = BackendResponse.Framing.UNTIL_CLOSE;
        }
        // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message is faulty framing; the connection ends after it.
        boolean keepAlive = framing != BackendResponse.Framing.UNTIL_CLOSE && !close
                && (version == HttpVersion.HTTP_1_1 || keepAliveToken && !transferEncoding);
        return new BackendResponse(fields, version, HttpResponseStatus.valueOf(code), codeStart, lineEnd,
                framing, framing == BackendResponse.Framing.LENGTH ? contentLength : -1, keepAlive, hopByHop);
    }

    /**
     * Joins the continuation lines that start at {@code next} to the value at {@code [valueStart, valueEnd)} in place,
     * one space for each fold, and blanks the rest of those lines up to the LF of the last. Returns the value's end.
     */
    private static int unfold(byte[] b, int valueStart, int valueEnd, int next, int end) {
        int w = valueEnd;
        int lf = next - 1;
        while (next < end && isWhite(b[next])) {
            lf = indexOf(b, next, end, (byte) '\n');
            int s = HeadBytes.skipWhite(b, next, lf);
            int e = trimEnd(b, s, lineEnd(b, next, lf));
            checkValue(b, s, e);
            if (e > s) {
                if (w > valueStart) {
                    b[w++] = ' ';
                }
                System.arraycopy(b, s, b, w, e - s);
                w += e - s;
            }
            next = lf + 1;
        }
        Arrays.fill(b, w, lf, (byte) ' ');
        return w;
    }

    private static boolean isHttp1(byte[] b, int pos) {
        return b[pos] == 'H' && b[pos + 1] == 'T' && b[pos + 2] == 'T'
                && b[pos + 3] == 'P' && b[pos + 4] == '/' && b[pos + 5] == '1'
                && b[pos + 6] == '.' && (b[pos + 7] == '1' || b[pos + 7] == '0')
                && b[pos + 8] == ' ';
    }

    private static boolean lastCodingIsChunked(byte[] b, int from, int to) {
        int comma = indexOf(b, to, from, (byte) ',');
        int start = HeadBytes.skipWhite(b, comma < 0 ? from : comma + 1, to);
        return to - start == 7 && nameIs(b, start, "chunked");
    }

    private static void checkValue(byte[] b, int from, int to) {
        if (!HeadBytes.noControls(b, from, to)) {
            throw bad("control character in a field value");
        }
    }

    private static IllegalArgumentException bad(String why) {
        return new IllegalArgumentException(why);
    }
}
