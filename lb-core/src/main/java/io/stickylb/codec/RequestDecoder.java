package io.stickylb.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Reads HTTP/1.x requests from a client. A head becomes a {@link ClientRequest} whose fields stay in the received
 * bytes (see {@link RequestParser} for how strict it is); the body follows as
 * {@link io.netty.handler.codec.http.HttpContent} slices of the received buffers, never copied, then a
 * {@link LastHttpContent} (with the trailers of a chunked body). Chunked bodies are passed on as their data alone;
 * the backend side frames them again.
 *
 * <p>A malformed head comes out as a request whose decoder result is a failure (the cause tells 414 and 431 from
 * 400), a malformed body as a failed last content; after either, the rest of the connection's input is ignored.
 * A {@link HeadWatch} hears when each head starts and ends, to time how long a client takes to send one.
 */
public final class RequestDecoder extends ByteToMessageDecoder {

    /** Told when a request head starts arriving (its first byte) and when it is complete, or the connection ends. */
    public interface HeadWatch {
        void headStarted();

        void headEnded();
    }

    private enum State { HEAD, LENGTH, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILERS, BAD }

    private static final int MAX_CHUNK_LINE = 4096;

    private final int maxLine;
    private final int maxFields;
    private final HeadWatch watch;
    private State state = State.HEAD;
    private long remaining;
    private int searchedHead;
    private int trailerBytes;
    private HttpHeaders trailers;

    /**
     * {@code maxLine}: the longest request line (longer is 414); {@code maxFields}: the most bytes of header fields,
     * and of trailer fields (more is 431).
     */
    public RequestDecoder(int maxLine, int maxFields, HeadWatch watch) {
        this.maxLine = maxLine;
        this.maxFields = maxFields;
        this.watch = watch;
    }

    /** Stops decoding this connection: everything after is ignored (it is being answered with an error and closed). */
    public void abandon() {
        state = State.BAD;
        watch.headEnded();
    }

    /** True while part of a request head has arrived and the rest has not. */
    public boolean headArriving() {
        return state == State.HEAD && actualReadableBytes() > 0;
    }

    /** Bytes received but not yet decoded (part of a head, say). */
    public int buffered() {
        return actualReadableBytes();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case HEAD -> decodeHead(in, out);
            case LENGTH -> {
                remaining = HeadBytes.passBody(in, out, remaining);
                if (remaining == 0) {
                    state = State.HEAD;
                }
            }
            case BAD -> in.skipBytes(in.readableBytes());
            default -> decodeChunked(in, out);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        watch.headEnded();
        super.channelInactive(ctx);
    }

    private void decodeHead(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        // RFC 9112 §2.2: empty lines before a request line are ignored.
        start = HeadBytes.skipLineBreaks(in, start, end);
        in.readerIndex(start);
        if (start == end) {
            return;
        }
        int headEnd = HeadBytes.findHeadEnd(in, start + Math.max(0, searchedHead - 3), end);
        if (headEnd < 0) {
            if (searchedHead == 0) {
                // Timed from the first look that finds the head incomplete: a head that arrives whole (nearly every
                // one) costs no clock read.
                watch.headStarted();
            }
            searchedHead = end - start;
            int firstLf = in.indexOf(start, end, (byte) '\n');
            if ((firstLf < 0 ? end - start : firstLf - start - 1) > maxLine) {
                fail(in, out, new TooLongHttpLineException("request line longer than " + maxLine + " bytes"));
            } else if (firstLf >= 0 && end - firstLf - 2 > maxFields) {
                // Even if the next byte ended the head, its fields would be over the limit the full parse applies:
                // answer now rather than at the header timeout.
                fail(in, out, new TooLongHttpHeaderException("header fields larger than " + maxFields + " bytes"));
            } else {
                byte[] line = new byte[(firstLf < 0 ? end : firstLf + 1) - start]; // at most maxLine + 2 bytes
                in.getBytes(start, line);
                String malformed = RequestParser.malformedLine(line, 0, line.length);
                if (malformed != null) {
                    fail(in, out, new IllegalArgumentException(malformed));
                }
            }
            return;
        }
        searchedHead = 0;
        watch.headEnded();
        ClientRequest request;
        try {
            request = RequestParser.parse(in, start, headEnd - start, maxLine, maxFields);
        } catch (IllegalArgumentException | TooLongHttpLineException | TooLongHttpHeaderException e) {
            fail(in, out, e);
            return;
        }
        in.readerIndex(headEnd);
        out.add(request);
        if (request.chunked()) {
            state = State.CHUNK_SIZE;
        } else if (request.contentLength() > 0) {
            remaining = request.contentLength();
            state = State.LENGTH;
        } else {
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
        }
    }

    private void decodeChunked(ByteBuf in, List<Object> out) {
        int pos = in.readerIndex();
        int end = in.writerIndex();
        loop:
        while (pos < end) {
            switch (state) {
                case CHUNK_SIZE, TRAILERS -> {
                    int lf = in.indexOf(pos, end, (byte) '\n');
                    if (lf < 0) {
                        boolean tooLong = state == State.CHUNK_SIZE ? end - pos > MAX_CHUNK_LINE
                                : trailerBytes + end - pos > maxFields;
                        if (tooLong) {
                            failBody(in, out, "chunk size line or trailer section too long");
                            return;
                        }
                        break loop;
                    }
                    if (lf == pos || in.getByte(lf - 1) != '\r') {
                        failBody(in, out, "chunk line not ended by CRLF");
                        return;
                    }
                    if (state == State.CHUNK_SIZE && lf - pos > MAX_CHUNK_LINE) {
                        // The same limit whether the line came in one read or several.
                        failBody(in, out, "chunk size line too long");
                        return;
                    }
                    int lineEnd = lf - 1;
                    if (state == State.CHUNK_SIZE) {
                        long size = HeadBytes.chunkSize(in, pos, lineEnd);
                        if (size < 0) {
                            failBody(in, out, "malformed chunk size line");
                            return;
                        }
                        if (size == 0) {
                            state = State.TRAILERS;
                            trailerBytes = 0;
                            trailers = null;
                        } else {
                            remaining = size;
                            state = State.CHUNK_DATA;
                        }
                    } else if (lineEnd == pos) {
                        in.readerIndex(lf + 1);
                        state = State.HEAD;
                        out.add(lastContent());
                        return;
                    } else {
                        trailerBytes += lf + 1 - pos;
                        if (trailerBytes > maxFields || !trailer(in, pos, lineEnd)) {
                            failBody(in, out, "malformed or oversized trailer field");
                            return;
                        }
                    }
                    pos = lf + 1;
                }
                case CHUNK_DATA -> {
                    int n = (int) Math.min(end - pos, remaining);
                    out.add(new DefaultHttpContent(in.retainedSlice(pos, n)));
                    pos += n;
                    remaining -= n;
                    if (remaining == 0) {
                        state = State.CHUNK_DATA_END;
                    }
                }
                case CHUNK_DATA_END -> {
                    if (end - pos < 2) {
                        if (in.getByte(pos) != '\r') {
                            failBody(in, out, "chunk data not followed by CRLF");
                            return;
                        }
                        break loop;
                    }
                    if (in.getByte(pos) != '\r' || in.getByte(pos + 1) != '\n') {
                        failBody(in, out, "chunk data not followed by CRLF");
                        return;
                    }
                    pos += 2;
                    state = State.CHUNK_SIZE;
                }
                default -> throw new IllegalStateException(state.name());
            }
        }
        in.readerIndex(pos);
    }

    private LastHttpContent lastContent() {
        if (trailers == null) {
            return LastHttpContent.EMPTY_LAST_CONTENT;
        }
        LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
        last.trailingHeaders().set(trailers);
        trailers = null;
        return last;
    }

    /**
     * Adds one trailer field; false when it is malformed. Fields a trailer must not carry (RFC 9110 §6.5.1) are
     * dropped: framing, as Netty's decoder does, and also connection-level, routing and forwarding fields, since a
     * backend that merges trailers into the header would otherwise take a client's Host or X-Forwarded-For for the
     * ones stickylb routed by and wrote.
     */
    private boolean trailer(ByteBuf in, int from, int to) {
        byte[] line = new byte[to - from];
        in.getBytes(from, line);
        int colon = HeadBytes.indexOf(line, 0, line.length, (byte) ':');
        if (colon < 0 || !HeadBytes.isToken(line, 0, colon)) {
            return false;
        }
        int valueStart = HeadBytes.skipWhite(line, colon + 1, line.length);
        int valueEnd = HeadBytes.trimEnd(line, valueStart, line.length);
        if (!HeadBytes.noControls(line, valueStart, valueEnd)) {
            return false;
        }
        String name = new String(line, 0, colon, StandardCharsets.ISO_8859_1);
        if (notInTrailers(line, colon, name)) {
            return true;
        }
        if (trailers == null) {
            trailers = DefaultHttpHeadersFactory.trailersFactory().newHeaders();
        }
        trailers.add(name, new String(line, valueStart, valueEnd - valueStart, StandardCharsets.ISO_8859_1));
        return true;
    }

    private static boolean notInTrailers(byte[] line, int nameLength, String name) {
        return HeadBytes.isHopByHop(line, 0, nameLength) || name.equalsIgnoreCase("content-length")
                || name.equalsIgnoreCase("transfer-encoding") || name.equalsIgnoreCase("host")
                || name.equalsIgnoreCase("forwarded") || name.equalsIgnoreCase("x-forwarded-for")
                || name.equalsIgnoreCase("x-forwarded-proto") || name.equalsIgnoreCase("x-forwarded-host");
    }

    private void fail(ByteBuf in, List<Object> out, Exception cause) {
        abandon();
        in.skipBytes(in.readableBytes());
        DefaultHttpRequest failed = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        failed.setDecoderResult(DecoderResult.failure(cause));
        out.add(failed);
    }

    private void failBody(ByteBuf in, List<Object> out, String why) {
        state = State.BAD;
        in.skipBytes(in.readableBytes());
        LastHttpContent failed = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
        failed.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(why)));
        out.add(failed);
    }
}
