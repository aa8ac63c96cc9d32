package io.stickylb.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The header fields of a message head, read in place from (a copy of) the bytes the peer sent. The few operations
 * the proxy path uses (get, getAll, contains, add, set, remove) work on those bytes and remember their edits, so fields
 * that nobody changes go out as the very bytes that came in; any other {@link HttpHeaders} operation copies the fields
 * into ordinary headers once and works on those from then on. Values are read as ISO-8859-1, one char per byte.
 * Not thread-safe: it lives on one event loop, for one message.
 */
public final class RawHeaders extends HttpHeaders {

    private static final int[] NO_FIELDS = new int[0];
    private static final byte[] CRLF = {'\r', '\n'};

    private final byte[] source;
    /** Four indexes per field into {@code source}: name start, name end, value start, value end. */
    private int[] fields = NO_FIELDS;
    private int count;
    private boolean[] removed;
    private List<String> addedNames;
    private List<String> addedValues;
    private HttpHeaders copy;
    private boolean rewritten;
    private boolean connectionNamesFields;
    private String[] values;
    /** Where the received field lines lie in {@code source} when they can be copied as they are (CRLF lines). */
    private int spanStart;
    private int spanEnd = -1;

    RawHeaders(byte[] source) {
        this.source = source;
    }

    void addField(int nameStart, int nameEnd, int valueStart, int valueEnd) {
        if (fields.length == count * 4) {
            fields = java.util.Arrays.copyOf(fields, Math.max(32, fields.length * 2));
        }
        int i = count++ * 4;
        fields[i] = nameStart;
        fields[i + 1] = nameEnd;
        fields[i + 2] = valueStart;
        fields[i + 3] = valueEnd;
    }

    /**
     * The received field lines, each ended by CRLF, are {@code source[start, end)}: while none is removed they are
     * written in one copy instead of field by field.
     */
    void receivedSpan(int start, int end) {
        spanStart = start;
        spanEnd = end;
    }

    /** A Connection field names other fields, which go with it as hop-by-hop. */
    void markConnectionNamesFields() {
        connectionNamesFields = true;
    }

    /**
     * True when a received Connection field names fields besides close and keep-alive; when false, the fixed
     * hop-by-hop names are all there is to remove. Edits made since parsing are not considered.
     */
    public boolean connectionNamesFields() {
        return connectionNamesFields;
    }

    /** The head's fields as received must be written anew (a fold or whitespace before a colon was cleaned up). */
    void markRewritten() {
        rewritten = true;
    }

    /** True when the fields are exactly the bytes received: nothing removed, added or cleaned up. */
    public boolean unchanged() {
        return copy == null && removed == null && addedNames == null && !rewritten;
    }

    /**
     * Removes every field named in {@code names} (lower case) in one pass over the received fields; cheaper than a
     * {@link #remove} per name.
     */
    public void removeAll(List<String> names) {
        if (copy != null) {
            for (String n : names) {
                copy.remove(n);
            }
            return;
        }
        for (int i = 0; i < count; i++) {
            if (live(i)) {
                for (int k = 0; k < names.size(); k++) {
                    if (nameIs(i, names.get(k))) {
                        if (removed == null) {
                            removed = new boolean[count];
                        }
                        removed[i] = true;
                        break;
                    }
                }
            }
        }
        if (addedNames != null) {
            for (String n : names) {
                removeAdded(n);
            }
        }
    }

    private boolean nameIs(int field, String name) {
        int start = fields[field * 4];
        int len = fields[field * 4 + 1] - start;
        if (len != name.length()) {
            return false;
        }
        for (int k = 0; k < len; k++) {
            int b = source[start + k];
            int c = name.charAt(k);
            if (b != c && toLower(b) != toLower(c)) {
                return false;
            }
        }
        return true;
    }

    private static int toLower(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    private boolean live(int field) {
        return removed == null || !removed[field];
    }

    private String name(int field) {
        int start = fields[field * 4];
        return new String(source, start, fields[field * 4 + 1] - start, StandardCharsets.ISO_8859_1);
    }

    /** A field's value; an obsolete fold (line break and the white space after it) reads as one space (RFC 9112 §5.2). */
    private String value(int field) {
        // The same field is often read several times per message (Host by routing, validation and X-Forwarded-Host;
        // Cookie by the affinity read and its strip), so each value is made into a string once.
        if (values == null) {
            values = new String[count];
        }
        String v = values[field];
        if (v == null) {
            v = readValue(field);
            values[field] = v;
        }
        return v;
    }

    private String readValue(int field) {
        int start = fields[field * 4 + 2];
        int end = fields[field * 4 + 3];
        if (!rewritten) {
            return new String(source, start, end - start, StandardCharsets.ISO_8859_1);
        }
        char[] chars = new char[end - start];
        int n = 0;
        for (int k = start; k < end; k++) {
            int b = source[k] & 0xff;
            if (b == '\r' || b == '\n') {
                while (k + 1 < end && isFoldByte(source[k + 1])) {
                    k++;
                }
                chars[n++] = ' ';
            } else {
                chars[n++] = (char) b;
            }
        }
        return new String(chars, 0, n);
    }

    private static boolean isFoldByte(byte b) {
        return b == '\r' || b == '\n' || b == ' ' || b == '\t';
    }

    /** True when no field was received. */
    boolean isEmptyReceived() {
        return count == 0;
    }

    /** Extends the last field's value over a continuation line ending at {@code valueEnd}. */
    void extendLast(int valueEnd) {
        fields[(count - 1) * 4 + 3] = valueEnd;
        rewritten = true;
    }

    private HttpHeaders copied() {
        if (copy == null) {
            HttpHeaders h = DefaultHttpHeadersFactory.headersFactory().newEmptyHeaders();
            for (int i = 0; i < count; i++) {
                if (live(i)) {
                    h.add(name(i), value(i));
                }
            }
            if (addedNames != null) {
                for (int i = 0; i < addedNames.size(); i++) {
                    h.add(addedNames.get(i), addedValues.get(i));
                }
            }
            copy = h;
        }
        return copy;
    }

    /** Writes the fields and the empty line that ends the head. */
    void writeFields(ByteBuf out) {
        if (copy != null) {
            for (Iterator<Map.Entry<CharSequence, CharSequence>> it = copy.iteratorCharSequence(); it.hasNext();) {
                Map.Entry<CharSequence, CharSequence> e = it.next();
                writeField(out, e.getKey(), e.getValue());
            }
        } else if (!rewritten && spanEnd >= 0) {
            writeReceivedLines(out);
            writeAdded(out);
        } else {
            for (int i = 0; i < count; i++) {
                if (live(i)) {
                    int f = i * 4;
                    out.writeBytes(source, fields[f], fields[f + 1] - fields[f]);
                    out.writeByte(':').writeByte(' ');
                    if (rewritten) {
                        ByteBufUtil.writeAscii(out, value(i));
                    } else {
                        out.writeBytes(source, fields[f + 2], fields[f + 3] - fields[f + 2]);
                    }
                    out.writeBytes(CRLF);
                }
            }
            writeAdded(out);
        }
        out.writeBytes(CRLF);
    }

    /** The kept lines as received: each run of consecutive kept lines in one copy. */
    private void writeReceivedLines(ByteBuf out) {
        if (removed == null) {
            out.writeBytes(source, spanStart, spanEnd - spanStart);
            return;
        }
        int runStart = -1;
        for (int i = 0; i <= count; i++) {
            boolean keep = i < count && !removed[i];
            if (keep && runStart < 0) {
                runStart = fields[i * 4];
            } else if (!keep && runStart >= 0) {
                // A line ends where the next one starts; the last one at the end of the span.
                int runEnd = i < count ? fields[i * 4] : spanEnd;
                out.writeBytes(source, runStart, runEnd - runStart);
                runStart = -1;
            }
        }
    }

    private void writeAdded(ByteBuf out) {
        if (addedNames != null) {
            for (int i = 0; i < addedNames.size(); i++) {
                writeField(out, addedNames.get(i), addedValues.get(i));
            }
        }
    }

    private static void writeField(ByteBuf out, CharSequence name, CharSequence value) {
        ByteBufUtil.writeAscii(out, name);
        out.writeByte(':').writeByte(' ');
        ByteBufUtil.writeAscii(out, value);
        out.writeBytes(CRLF);
    }

    // ---- the operations the proxy path uses, on the received bytes ----

    @Override
    public String get(String name) {
        if (copy != null) {
            return copy.get(name);
        }
        for (int i = 0; i < count; i++) {
            if (live(i) && nameIs(i, name)) {
                return value(i);
            }
        }
        if (addedNames != null) {
            for (int i = 0; i < addedNames.size(); i++) {
                if (addedNames.get(i).equalsIgnoreCase(name)) {
                    return addedValues.get(i);
                }
            }
        }
        return null;
    }

    @Override
    public List<String> getAll(String name) {
        if (copy != null) {
            return copy.getAll(name);
        }
        List<String> values = null;
        for (int i = 0; i < count; i++) {
            if (live(i) && nameIs(i, name)) {
                if (values == null) {
                    values = new ArrayList<>(2);
                }
                values.add(value(i));
            }
        }
        if (addedNames != null) {
            for (int i = 0; i < addedNames.size(); i++) {
                if (addedNames.get(i).equalsIgnoreCase(name)) {
                    if (values == null) {
                        values = new ArrayList<>(2);
                    }
                    values.add(addedValues.get(i));
                }
            }
        }
        return values == null ? Collections.emptyList() : values;
    }

    @Override
    public boolean contains(String name) {
        if (copy != null) {
            return copy.contains(name);
        }
        for (int i = 0; i < count; i++) {
            if (live(i) && nameIs(i, name)) {
                return true;
            }
        }
        if (addedNames != null) {
            for (String n : addedNames) {
                if (n.equalsIgnoreCase(name)) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public HttpHeaders add(String name, Object value) {
        if (copy != null) {
            copy.add(name, value);
            return this;
        }
        if (addedNames == null) {
            addedNames = new ArrayList<>(2);
            addedValues = new ArrayList<>(2);
        }
        addedNames.add(name);
        addedValues.add(value.toString());
        return this;
    }

    @Override
    public HttpHeaders set(String name, Object value) {
        remove(name);
        return add(name, value);
    }

    @Override
    public HttpHeaders remove(String name) {
        if (copy != null) {
            copy.remove(name);
            return this;
        }
        for (int i = 0; i < count; i++) {
            if (live(i) && nameIs(i, name)) {
                if (removed == null) {
                    removed = new boolean[count];
                }
                removed[i] = true;
            }
        }
        removeAdded(name);
        return this;
    }

    private void removeAdded(String name) {
        if (addedNames != null) {
            for (int i = addedNames.size() - 1; i >= 0; i--) {
                if (addedNames.get(i).equalsIgnoreCase(name)) {
                    addedNames.remove(i);
                    addedValues.remove(i);
                }
            }
        }
    }

    @Override
    public int size() {
        if (copy != null) {
            return copy.size();
        }
        int n = addedNames == null ? 0 : addedNames.size();
        for (int i = 0; i < count; i++) {
            if (live(i)) {
                n++;
            }
        }
        return n;
    }

    @Override
    public boolean isEmpty() {
        return size() == 0;
    }

    // ---- everything else works on a copy ----

    @Override
    public Integer getInt(CharSequence name) {
        return copied().getInt(name);
    }

    @Override
    public int getInt(CharSequence name, int defaultValue) {
        return copied().getInt(name, defaultValue);
    }

    @Override
    public Short getShort(CharSequence name) {
        return copied().getShort(name);
    }

    @Override
    public short getShort(CharSequence name, short defaultValue) {
        return copied().getShort(name, defaultValue);
    }

    @Override
    public Long getTimeMillis(CharSequence name) {
        return copied().getTimeMillis(name);
    }

    @Override
    public long getTimeMillis(CharSequence name, long defaultValue) {
        return copied().getTimeMillis(name, defaultValue);
    }

    @Override
    public List<Map.Entry<String, String>> entries() {
        return copied().entries();
    }

    @Override
    public Iterator<Map.Entry<String, String>> iterator() {
        return copied().iterator();
    }

    @Override
    public Iterator<Map.Entry<CharSequence, CharSequence>> iteratorCharSequence() {
        return copied().iteratorCharSequence();
    }

    @Override
    public Set<String> names() {
        return copied().names();
    }

    @Override
    public HttpHeaders add(String name, Iterable<?> values) {
        copied().add(name, values);
        return this;
    }

    @Override
    public HttpHeaders addInt(CharSequence name, int value) {
        copied().addInt(name, value);
        return this;
    }

    @Override
    public HttpHeaders addShort(CharSequence name, short value) {
        copied().addShort(name, value);
        return this;
    }

    @Override
    public HttpHeaders set(String name, Iterable<?> values) {
        copied().set(name, values);
        return this;
    }

    @Override
    public HttpHeaders setInt(CharSequence name, int value) {
        copied().setInt(name, value);
        return this;
    }

    @Override
    public HttpHeaders setShort(CharSequence name, short value) {
        copied().setShort(name, value);
        return this;
    }

    @Override
    public HttpHeaders clear() {
        copied().clear();
        return this;
    }
}
