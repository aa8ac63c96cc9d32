package io.stickylb.sample.testing;

import java.io.InputStream;

/** {@code size} deterministic, non-repeating-looking bytes, generated on the fly so large bodies cost no memory. */
public final class PatternInputStream extends InputStream {

    private final long size;
    private long position;

    public PatternInputStream(long size) {
        this.size = size;
    }

    /** The byte at offset {@code i}. */
    public static byte at(long i) {
        return (byte) (i * 31 + (i >>> 9) + (i >>> 17));
    }

    @Override
    public int read() {
        return position < size ? at(position++) & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (position >= size) {
            return -1;
        }
        int n = (int) Math.min(len, size - position);
        for (int i = 0; i < n; i++) {
            b[off + i] = at(position++);
        }
        return n;
    }
}
