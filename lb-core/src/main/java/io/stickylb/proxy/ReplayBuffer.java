package io.stickylb.proxy;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps the request body chunks already forwarded, up to {@code retry-buffer} bytes, so a failed attempt can be
 * replayed on another backend. Past the limit it lets go of everything and the request can no longer be replayed.
 * Event-loop confined; {@link #release()} must run when the exchange ends.
 */
final class ReplayBuffer {

    private final long limit;
    private final List<HttpContent> parts = new ArrayList<>(2);
    private long bytes;
    private boolean overflowed;

    ReplayBuffer(long limit) {
        this.limit = limit;
    }

    /** Remembers a chunk about to be forwarded (the caller keeps its own reference). */
    void add(HttpContent content) {
        if (overflowed) {
            return;
        }
        int n = content.content().readableBytes();
        boolean trailers = content instanceof LastHttpContent last && !last.trailingHeaders().isEmpty();
        if (n == 0 && !trailers) {
            return;
        }
        bytes += n;
        if (bytes > limit) {
            overflowed = true;
            release();
            return;
        }
        parts.add(content.retainedDuplicate());
    }

    /** True while everything forwarded so far is still held. */
    boolean complete() {
        return !overflowed;
    }

    /** Writes the held chunks again; {@code ended} adds the end of the body when no held chunk carried it. */
    void replay(Channel ch, boolean ended) {
        boolean lastWritten = false;
        for (HttpContent c : parts) {
            lastWritten = c instanceof LastHttpContent;
            ch.write(c.retainedDuplicate(), ch.voidPromise());
        }
        if (ended && !lastWritten) {
            ch.write(LastHttpContent.EMPTY_LAST_CONTENT, ch.voidPromise());
        }
    }

    void release() {
        for (HttpContent c : parts) {
            c.release();
        }
        parts.clear();
    }
}
