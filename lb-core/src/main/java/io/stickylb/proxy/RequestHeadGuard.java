package io.stickylb.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ByteProcessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the raw client bytes in front of the HTTP decoder, following message boundaries (head, Content-Length body,
 * chunked body), for two jobs the decoder cannot do: it rejects obsolete line folding in request heads with 400
 * (RFC 9112 §5.2 allows a server to reject or unfold; a proxy that unfolds can be made to disagree with a backend, so
 * stickylb rejects), and it enforces the time allowed to send a complete request head (slowloris, 408). Bytes pass
 * through unchanged; framing errors are left to the decoder, which rejects them. The head deadline starts at the
 * head's first byte and is not refreshed by later bytes.
 */
final class RequestHeadGuard extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(RequestHeadGuard.class);

    private enum State { HEAD, BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILER, PASS, REJECTED }

    private final long headTimeoutMillis;
    private final int maxHead;
    private State state = State.HEAD;
    private final StringBuilder head = new StringBuilder(256);
    private boolean headStarted;
    private int headBytes;
    private boolean keepLine;
    private boolean atLineStart = true;
    private int lines;
    private int newlines;
    private long remaining;
    private final StringBuilder chunkLine = new StringBuilder(16);
    private final ByteProcessor headScanner = b -> {
        headByte(b);
        return state == State.HEAD;
    };
    private LazyDeadline timer;
    private ChannelHandlerContext ctx;
    private String rejection;

    RequestHeadGuard(long headTimeoutMillis, int maxHead) {
        this.headTimeoutMillis = headTimeoutMillis;
        this.maxHead = maxHead;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        // Armed at the first byte of each head, not at accept: a connection that has sent nothing (a browser's
        // preconnect, a client's pool opened ahead) is idle, not slow, and an unsolicited 408 on it would be read as
        // the answer to the request it sends next. Idle connections are closed silently by the idle timeout.
        this.timer = new LazyDeadline(ctx.executor(), this::timedOut);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.REJECTED) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof ByteBuf buf && state != State.PASS) {
            scan(buf);
            if (state == State.REJECTED) {
                buf.release();
                reject(HttpResponseStatus.BAD_REQUEST, rejection);
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    private void scan(ByteBuf buf) {
        int end = buf.writerIndex();
        for (int i = buf.readerIndex(); i < end && state != State.REJECTED && state != State.PASS; i++) {
            if (state == State.HEAD) {
                // The hot case: one bulk pass without per-byte index and reference-count checks.
                int stop = buf.forEachByte(i, end - i, headScanner);
                i = stop < 0 ? end - 1 : stop;
                continue;
            }
            byte b = buf.getByte(i);
            switch (state) {
                case BODY -> {
                    long skip = Math.min(remaining, end - i);
                    remaining -= skip;
                    i += (int) skip - 1;
                    if (remaining == 0) {
                        startHead();
                    }
                }
                case CHUNK_SIZE -> chunkSizeByte(b);
                case CHUNK_DATA -> {
                    long skip = Math.min(remaining, end - i);
                    remaining -= skip;
                    i += (int) skip - 1;
                    if (remaining == 0) {
                        state = State.CHUNK_DATA_END;
                    }
                }
                case CHUNK_DATA_END -> {
                    if (b == '\n') {
                        state = State.CHUNK_SIZE;
                    }
                }
                case TRAILER -> trailerByte(b);
                default -> {
                }
            }
        }
    }

    private void headByte(byte b) {
        if (!headStarted) {
            if (b == '\r' || b == '\n') {
                return; // RFC 9112 §2.2: empty lines before the request line are ignored
            }
            headStarted = true;
            arm();
        }
        if (headBytes++ >= maxHead) {
            // Far beyond any limit: the decoder answers 414/431; stop following this connection.
            state = State.PASS;
            return;
        }
        if (atLineStart && lines > 0) {
            // Only the request line and lines that may be Content-Length or Transfer-Encoding are kept for
            // headComplete(); the rest are only watched for folding and the end of the head.
            keepLine = b == 'c' || b == 'C' || b == 't' || b == 'T';
        }
        if (lines == 0 || keepLine) {
            head.append((char) (b & 0xff));
        }
        if (b == '\n') {
            if (lines == 0 && !requestLineWellFormed()) {
                rejection = "malformed request line";
                state = State.REJECTED;
                return;
            }
            lines++;
            atLineStart = true;
            if (++newlines == 2) {
                headComplete();
            }
            return;
        }
        if (b != '\r') {
            if (atLineStart && lines > 0 && (b == ' ' || b == '\t')) {
                rejection = "obsolete line folding in request head";
                state = State.REJECTED;
                return;
            }
            newlines = 0;
        }
        atLineStart = false;
    }

    /**
     * RFC 9112 §3: {@code method SP request-target SP HTTP-version}, one space each, a case-sensitive {@code HTTP/d.d}.
     * The decoder splits on any whitespace run and accepts other casings; the RFC lets a server be that lenient, but
     * a proxy that guesses where a lenient peer would not is how requests get smuggled, so stickylb is strict. Which
     * versions are supported (505) is decided later.
     */
    private boolean requestLineWellFormed() {
        int end = head.length() - 1;
        if (end > 0 && head.charAt(end - 1) == '\r') {
            end--;
        }
        int sp1 = head.indexOf(" ");
        if (sp1 <= 0 || sp1 >= end) {
            return false;
        }
        for (int i = 0; i < sp1; i++) {
            if (!isTchar(head.charAt(i))) {
                return false;
            }
        }
        int sp2 = head.indexOf(" ", sp1 + 1);
        if (sp2 <= sp1 + 1 || sp2 >= end) {
            return false;
        }
        for (int i = sp1 + 1; i < sp2; i++) {
            char c = head.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                return false;
            }
        }
        return end - sp2 - 1 == 8 && head.indexOf("HTTP/", sp2 + 1) == sp2 + 1 && isDigit(head.charAt(sp2 + 6))
                && head.charAt(sp2 + 7) == '.' && isDigit(head.charAt(sp2 + 8));
    }

    /** RFC 9110 §5.6.2 token characters. */
    private static boolean isTchar(char c) {
        return c < 0x80 && (Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private void headComplete() {
        disarm();
        long contentLength = -1;
        boolean chunked = false;
        int start = 0;
        int n = head.length();
        while (start < n) {
            int nl = head.indexOf("\n", start);
            int end = nl < 0 ? n : nl;
            int colon = head.indexOf(":", start);
            if (colon > start && colon < end) {
                if (regionIs(start, colon, "transfer-encoding")) {
                    chunked = true;
                } else if (regionIs(start, colon, "content-length")) {
                    contentLength = parseLength(colon + 1, end);
                    if (contentLength < 0) {
                        state = State.PASS; // the decoder rejects it
                        return;
                    }
                }
            }
            start = end + 1;
        }
        clearHead();
        if (chunked) {
            state = State.CHUNK_SIZE;
            chunkLine.setLength(0);
        } else if (contentLength > 0) {
            state = State.BODY;
            remaining = contentLength;
        } else {
            startHead();
        }
    }

    private boolean regionIs(int from, int to, String name) {
        if (to - from != name.length()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.toLowerCase(head.charAt(from + i)) != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Digits between optional whitespace; -1 when anything else is there. */
    private long parseLength(int from, int to) {
        long v = 0;
        int digits = 0;
        for (int i = from; i < to; i++) {
            char c = head.charAt(i);
            if (c >= '0' && c <= '9') {
                if (++digits > 18) {
                    return -1;
                }
                v = v * 10 + (c - '0');
            } else if (c != ' ' && c != '\t' && c != '\r') {
                return -1;
            }
        }
        return digits == 0 ? -1 : v;
    }

    private void chunkSizeByte(byte b) {
        if (b != '\n') {
            if (chunkLine.length() > 1024) {
                state = State.PASS;
                return;
            }
            chunkLine.append((char) (b & 0xff));
            return;
        }
        String line = chunkLine.toString().trim();
        chunkLine.setLength(0);
        int semi = line.indexOf(';');
        try {
            long size = Long.parseLong(semi < 0 ? line : line.substring(0, semi).trim(), 16);
            if (size == 0) {
                state = State.TRAILER;
                newlines = 1;
            } else {
                state = State.CHUNK_DATA;
                remaining = size;
            }
        } catch (NumberFormatException e) {
            state = State.PASS; // the decoder rejects it
        }
    }

    private void trailerByte(byte b) {
        if (b == '\n') {
            if (++newlines == 2) {
                startHead();
            }
        } else if (b != '\r') {
            newlines = 0;
        }
    }

    private void startHead() {
        state = State.HEAD;
        clearHead();
    }

    /** Forgets the head just followed, so the next one is scanned from its first byte. */
    private void clearHead() {
        head.setLength(0);
        headBytes = 0;
        headStarted = false;
        lines = 0;
        newlines = 0;
        atLineStart = true;
    }

    private void arm() {
        if (headTimeoutMillis > 0 && timer != null && !timer.isSet()) {
            timer.set(headTimeoutMillis);
        }
    }

    private void disarm() {
        if (timer != null) {
            timer.clear();
        }
    }

    private void timedOut() {
        FrontendHandler frontend = ctx.pipeline().get(FrontendHandler.class);
        if (frontend != null && frontend.busy()) {
            // A pipelined head waiting behind a response in progress is not slow; look again later.
            arm();
            return;
        }
        if (state == State.HEAD && ctx.channel().isActive()) {
            state = State.REJECTED;
            reject(HttpResponseStatus.REQUEST_TIMEOUT, "request head not received in time");
        }
    }

    private void reject(HttpResponseStatus status, String why) {
        log.debug("client {}: {} -> {}", ctx.channel().remoteAddress(), why, status.code());
        ctx.channel().writeAndFlush(ErrorResponses.of(status, true)).addListener(ChannelFutureListener.CLOSE);
    }
}
