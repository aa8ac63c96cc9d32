package io.stickylb.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;

/**
 * Reads HTTP/1.x responses from a backend for relaying. A head becomes a {@link BackendResponse} whose fields stay in
 * the received bytes; the body follows as {@link io.netty.handler.codec.http.HttpContent} slices of the received
 * buffers, never copied, then {@link LastHttpContent#EMPTY_LAST_CONTENT}. A Content-Length body of at most
 * {@link #INLINE_BODY_BYTES} that has arrived with its head is kept with the head instead
 * ({@link BackendResponse#inlineBody}), so a small response is relayed as the one buffer it arrived in. A chunked
 * body is passed on with its chunk framing intact, unless {@link #dechunk()} asks for the data alone (an HTTP/1.0
 * client); the framing is still followed, so the end of each response is known and the connection can be reused.
 *
 * <p>A malformed head is answered with a response whose decoder result is a failure, a malformed body with a failed
 * last content; after either, the rest of the connection's input is ignored. So are bytes that arrive while no request
 * is outstanding (a body after a response to HEAD, a second response): the connection is out of step and its owner
 * must not send another request on it. A response cut off by the backend closing its connection produces no last
 * content: the connection's close says it.
 *
 * <p>After a {@code 101 Switching Protocols} that answers a request sent with {@code upgrade} (see
 * {@link #expectResponseTo(HttpMethod, boolean)}), the decoder decodes nothing more: the bytes that follow belong to
 * the new protocol and stay buffered until the decoder is removed, which hands them on as they are.
 */
public final class ResponseDecoder extends ByteToMessageDecoder {

    /** Bodies up to this size that arrive with their head travel inside it. */
    static final int INLINE_BODY_BYTES = 1024;
    /** The longest status line relayed; active health checks read answers under the same limits. */
    public static final int MAX_STATUS_LINE = 8192;
    /** The largest response head relayed. */
    public static final int MAX_HEAD = 32 * 1024;

    private enum State { HEAD, LENGTH, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILERS, UNTIL_CLOSE, SWITCHED, BAD }

    private final int maxLine;
    private final int maxHead;
    private State state = State.HEAD;
    private boolean headRequest;
    private boolean upgradeRequested;
    /** True from {@link #expectResponseTo} until the final response to that request has ended. */
    private boolean awaiting;
    private boolean dechunk;
    private long remaining;
    private int trailerBytes;
    private int searchedHead;
    /** The last head decoded; once its reader is finished with it, the next head is parsed into its arrays. */
    private BackendResponse previous;

    /** {@code maxLine}: the longest status line or chunk-size line; {@code maxHead}: the largest head or trailer. */
    public ResponseDecoder(int maxLine, int maxHead) {
        this.maxLine = maxLine;
        this.maxHead = maxHead;
    }

    /** Tells the decoder which request the next response answers (a response to HEAD has no body). */
    public void expectResponseTo(HttpMethod method) {
        expectResponseTo(method, false);
    }

    /**
     * As {@link #expectResponseTo(HttpMethod)}; with {@code upgrade}, the request asked to switch protocols, so a 101
     * ends HTTP on this connection.
     */
    public void expectResponseTo(HttpMethod method, boolean upgrade) {
        headRequest = HttpMethod.HEAD.equals(method);
        upgradeRequested = upgrade;
        dechunk = false;
        awaiting = true;
    }

    /** From now until the end of the current response, pass on chunk data without its framing. */
    public void dechunk() {
        dechunk = true;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case HEAD -> {
                if (awaiting) {
                    decodeHead(in, out);
                } else {
                    unrequested(in, out);
                }
            }
            case LENGTH -> {
                remaining = HeadBytes.passBody(in, out, remaining);
                if (remaining == 0) {
                    responseEnded(in);
                }
            }
            case UNTIL_CLOSE -> out.add(new DefaultHttpContent(in.readRetainedSlice(in.readableBytes())));
            case SWITCHED -> {
                // Not HTTP any more: left in the buffer for whoever takes over the connection.
            }
            case BAD -> in.skipBytes(in.readableBytes());
            default -> decodeChunked(in, out);
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        super.decodeLast(ctx, in, out);
        if (state == State.UNTIL_CLOSE) {
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
            state = State.HEAD;
        }
    }

    /** Bytes while no request is outstanding; line breaks between messages are tolerated, anything else fails. */
    private void unrequested(ByteBuf in, List<Object> out) {
        in.readerIndex(HeadBytes.skipLineBreaks(in, in.readerIndex(), in.writerIndex()));
        if (in.isReadable()) {
            fail(in, out, "bytes from the backend with no request outstanding");
        }
    }

    private void decodeHead(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        // Tolerate line breaks left between messages, as Netty's decoder does.
        start = HeadBytes.skipLineBreaks(in, start, end);
        in.readerIndex(start);
        int headEnd = HeadBytes.findHeadEnd(in, start + Math.max(0, searchedHead - 3), end);
        if (headEnd < 0) {
            searchedHead = end - start;
            int firstLf = in.indexOf(start, end, (byte) '\n');
            if (end - start > maxHead || (firstLf < 0 ? end - start : firstLf - start) > maxLine) {
                fail(in, out, "response head too large");
            }
            return;
        }
        searchedHead = 0;
        if (headEnd - start > maxHead) {
            fail(in, out, "response head too large");
            return;
        }
        int headLength = headEnd - start;
        BackendResponse response;
        try {
            BackendResponse finished = previous != null && previous.finished() ? previous : null;
            response = HeadParser.parse(in, start, headLength, maxLine, headRequest, finished);
        } catch (IllegalArgumentException e) {
            fail(in, out, e.getMessage());
            return;
        }
        long length = response.contentLength();
        int inline = response.framing() == BackendResponse.Framing.LENGTH && length > 0 && length <= INLINE_BODY_BYTES
                && in.readableBytes() - headLength >= length ? (int) length : 0;
        previous = response;
        response.received(in.readRetainedSlice(headLength + inline), inline);
        out.add(response);
        int code = response.status().code();
        switch (response.framing()) {
            case NONE -> {
                out.add(LastHttpContent.EMPTY_LAST_CONTENT);
                if (code >= 200) {
                    headRequest = false;
                    responseEnded(in);
                } else if (code == 101 && upgradeRequested) {
                    state = State.SWITCHED;
                    awaiting = false;
                }
            }
            case LENGTH -> {
                if (length == inline) {
                    out.add(LastHttpContent.EMPTY_LAST_CONTENT);
                    responseEnded(in);
                } else {
                    remaining = length;
                    state = State.LENGTH;
                }
            }
            case CHUNKED -> state = State.CHUNK_SIZE;
            case UNTIL_CLOSE -> state = State.UNTIL_CLOSE;
        }
    }

    private void decodeChunked(ByteBuf in, List<Object> out) {
        int pos = in.readerIndex();
        int end = in.writerIndex();
        int emitFrom = pos;
        boolean finished = false;
        loop:
        while (pos < end) {
            switch (state) {
                case CHUNK_SIZE, TRAILERS -> {
                    int lf = in.indexOf(pos, end, (byte) '\n');
                    if (lf < 0) {
                        if (end - pos > (state == State.TRAILERS ? maxHead : maxLine)) {
                            failBody(in, out, "chunk line too long");
                            return;
                        }
                        break loop;
                    }
                    int lineEnd = lf > pos && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
                    if (lineEnd == lf && !dechunk) {
                        emitFrom = endLineWithCrlf(in, out, emitFrom, lf);
                    }
                    if (state == State.CHUNK_SIZE && lineEnd - pos > maxLine) {
                        // The same limit whether the line came in one read or several.
                        failBody(in, out, "chunk line too long");
                        return;
                    }
                    if (state == State.CHUNK_SIZE) {
                        long size = HeadBytes.chunkSize(in, pos, lineEnd);
                        if (size < 0) {
                            failBody(in, out, "bad chunk size line");
                            return;
                        }
                        if (size == 0) {
                            state = State.TRAILERS;
                            trailerBytes = 0;
                        } else {
                            remaining = size;
                            state = State.CHUNK_DATA;
                        }
                    } else if (lineEnd == pos) {
                        finished = true;
                        pos = lf + 1;
                        break loop;
                    } else {
                        trailerBytes += lf + 1 - pos;
                        if (trailerBytes > maxHead) {
                            failBody(in, out, "trailer section too large");
                            return;
                        }
                    }
                    pos = lf + 1;
                }
                case CHUNK_DATA -> {
                    int n = (int) Math.min(end - pos, remaining);
                    if (dechunk) {
                        out.add(new DefaultHttpContent(in.retainedSlice(pos, n)));
                    }
                    pos += n;
                    remaining -= n;
                    if (remaining == 0) {
                        state = State.CHUNK_DATA_END;
                    }
                }
                case CHUNK_DATA_END -> {
                    byte b = in.getByte(pos);
                    if (b == '\r') {
                        if (pos + 1 >= end) {
                            break loop;
                        }
                        if (in.getByte(pos + 1) != '\n') {
                            failBody(in, out, "chunk data not followed by CRLF");
                            return;
                        }
                        pos += 2;
                    } else if (b == '\n') {
                        if (!dechunk) {
                            emitFrom = endLineWithCrlf(in, out, emitFrom, pos);
                        }
                        pos++;
                    } else {
                        failBody(in, out, "chunk data not followed by CRLF");
                        return;
                    }
                    state = State.CHUNK_SIZE;
                }
                default -> throw new IllegalStateException(state.name());
            }
            if (dechunk) {
                emitFrom = pos;
            }
        }
        if (!dechunk && pos > emitFrom) {
            out.add(new DefaultHttpContent(in.retainedSlice(emitFrom, pos - emitFrom)));
        }
        in.readerIndex(pos);
        if (finished) {
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
            responseEnded(in);
        }
    }

    /**
     * Passes on the framing bytes before the bare LF at {@code lf}, then a CRLF in its place; returns where the bytes
     * still to pass on start. A bare LF is read (as for a head, RFC 9112 §2.2) but not relayed: §7.1 has chunk lines
     * end in CRLF, and strict clients (llhttp, in Node.js) reject the chunked body otherwise; nginx and HAProxy write
     * chunk framing afresh.
     */
    private static int endLineWithCrlf(ByteBuf in, List<Object> out, int emitFrom, int lf) {
        if (lf > emitFrom) {
            out.add(new DefaultHttpContent(in.retainedSlice(emitFrom, lf - emitFrom)));
        }
        out.add(new DefaultHttpContent(ChunkFraming.crlf()));
        return lf + 1;
    }

    /**
     * Whether the connection may carry another request: nothing went wrong, and no byte beyond the last response had
     * arrived with it. Asked when a response ends, before its owner pools the connection.
     */
    public boolean inStep() {
        return state != State.BAD;
    }

    /**
     * The response asked for has ended. Bytes already behind it (a body after HEAD or 204, a second response) were
     * sent before any next request: the connection is out of step. They must go now, while the end of this response
     * is being delivered; decoded later, they would be taken for the answer to a request a pipelining client sent next
     * on this connection once it was pooled and handed out again within this very read.
     */
    private void responseEnded(ByteBuf in) {
        awaiting = false;
        state = State.HEAD;
        if (HeadBytes.skipLineBreaks(in, in.readerIndex(), in.writerIndex()) < in.writerIndex()) {
            state = State.BAD;
            in.skipBytes(in.readableBytes());
        }
    }

    private void fail(ByteBuf in, List<Object> out, String why) {
        state = State.BAD;
        in.skipBytes(in.readableBytes());
        DefaultHttpResponse failed = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_GATEWAY);
        failed.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(why)));
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
