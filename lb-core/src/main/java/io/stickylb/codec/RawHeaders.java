package io.stickylb.codec;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The header fields of a message head, read in place from (a copy of) the bytes the peer sent. The few operations
 * the proxy path uses (get, getAll, contains, add, set, remove) work on those bytes and remember their edits, so fields
 * that nobody changes go out as the very bytes that came in; any other {@link HttpHeaders} operation copies the fields
 * into ordinary headers once and works on those from then on. Values are read as ISO-8859-1, one char per byte.
 * Not thread-safe: it lives on one event loop, for one message.
 */
public final class RawHeaders extends HttpHeaders {

    private static final int[] NO_FIELDS = new int[0];
    /**
     * Where a parser collects field positions before {@link #seal} copies them at their size: one array per event
     * loop thread instead of a grown one per message (most heads have far fewer fields than a growth step).
     */
    private static final FastThreadLocal<int[]> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected int[] initialValue() {
            return new int[4 * 64];
        }
    };

    private final byte[] source;
    /** Four indexes per field into {@code source}: name start, name end, value start, value end. */
    private int[] fields;
    private int count;
    /** Removed received fields: bit i for field i below 64; the array (rarely there) for the rest. */
    private long removedLow;
    private boolean[] removedHigh;
    /** Added fields as name, value pairs: {@code added[2k]}, {@code added[2k + 1]} for k below {@code addedCount}. */
    private String[] added;
    private int addedCount;
    private HttpHeaders copy;
    private boolean rewritten;
    private boolean connectionNamesFields;
    /** Received fields the parser found hop-by-hop by name: bit i for field i below 64. */
    private long hopByHopLow;
    private boolean hopByHopBeyond;
    private String[] values;
    /** Where the received field lines lie in {@code source} when they can be copied as they are (CRLF lines). */
    private int spanStart;
    private int spanEnd = -1;

    /** True when {@link #fields} is this message's own array (response heads, see ResponseDecoder): no copy to seal. */
    private final boolean ownPositions;

    /** Starts collecting fields in the thread's scratch array; the parser must {@link #seal} before handing it on. */
    RawHeaders(byte[] source) {
        this.source = source;
        this.fields = SCRATCH.get();
        this.ownPositions = false;
    }

    /**
     * Starts collecting fields in {@code positions}, an array this message may keep (it grows when too small): a
     * decoder hands in the one a finished message of the same connection no longer needs.
     */
    RawHeaders(byte[] source, int[] positions) {
        this.source = source;
        this.fields = positions;
        this.ownPositions = true;
    }

    void addField(int nameStart, int nameEnd, int valueStart, int valueEnd) {
        if (fields.length == count * 4) {
            fields = Arrays.copyOf(fields, fields.length * 2);
        }
        int i = count++ * 4;
        fields[i] = nameStart;
        fields[i + 1] = nameEnd;
        fields[i + 2] = valueStart;
        fields[i + 3] = valueEnd;
    }

    /** Parsing is over: the positions move out of the scratch array into one of their own (if not there already). */
    void seal() {
        if (!ownPositions) {
            fields = count == 0 ? NO_FIELDS : Arrays.copyOf(fields, count * 4);
        }
    }

    /** The bytes the fields are read from; for reuse by the next message once this one is finished. */
    byte[] source() {
        return source;
    }

    /** The field positions array, possibly longer than the fields; for reuse like {@link #source()}. */
    int[] positions() {
        return fields;
    }

    /**
     * The received field lines, each ended by CRLF, are {@code source[start, end)}: while none is removed they are
     * written in one copy instead of field by field.
     */
    void receivedSpan(int start, int end) {
        spanStart = start;
        spanEnd = end;
    }

    /** The field just added is hop-by-hop by name (Connection, TE, ...): see {@link #removeMarkedHopByHop}. */
    void markLastHopByHop() {
        int field = count - 1;
        if (field < 64) {
            hopByHopLow |= 1L << field;
        } else {
            hopByHopBeyond = true;
        }
    }

    /**
     * Removes the received fields the parser found hop-by-hop by name, in one step, and returns true, when they are all
     * there is to remove: no Connection field names others, nothing was added, the fields were not copied, none lies
     * beyond the 64th. Otherwise removes nothing and returns false: {@link #removeAll} with the names does the work.
     */
    public boolean removeMarkedHopByHop() {
        if (copy != null || connectionNamesFields || addedCount > 0 || hopByHopBeyond) {
            return false;
        }
        removedLow |= hopByHopLow;
        return true;
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

    /** The head's fields must be written anew: a fold, white space before a colon or a bare LF was cleaned up. */
    void markRewritten() {
        rewritten = true;
    }

    /** True when the fields are exactly the bytes received: nothing removed, added or cleaned up. */
    public boolean unchanged() {
        return copy == null && !anyRemoved() && addedCount == 0 && !rewritten;
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
                        markRemoved(i);
                        break;
                    }
                }
            }
        }
        if (addedCount > 0) {
            for (int k = 0; k < names.size(); k++) {
                removeAdded(names.get(k));
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
        return field < 64 ? (removedLow & (1L << field)) == 0 : removedHigh == null || !removedHigh[field - 64];
    }

    private void markRemoved(int field) {
        if (field < 64) {
            removedLow |= 1L << field;
        } else {
            if (removedHigh == null) {
                removedHigh = new boolean[count - 64];
            }
            removedHigh[field - 64] = true;
        }
    }

    private boolean anyRemoved() {
        return removedLow != 0 || removedHigh != null;
    }

    private String name(int field) {
        int start = fields[field * 4];
        return new String(source, start, fields[field * 4 + 1] - start, StandardCharsets.ISO_8859_1);
    }

    /**
     * A field's value; an obsolete fold (line break and the white space after it) reads as one space (RFC 9112 §5.2).
     */
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

    private HttpHeaders copied() {
        if (copy == null) {
            HttpHeaders h = DefaultHttpHeadersFactory.headersFactory().newEmptyHeaders();
            for (int i = 0; i < count; i++) {
                if (live(i)) {
                    h.add(name(i), value(i));
                }
            }
            for (int i = 0; i < addedCount; i++) {
                h.add(added[2 * i], added[2 * i + 1]);
            }
            copy = h;
        }
        return copy;
    }

    /** Writes the fields and the empty line that ends the head. */
    void writeFields(HeadWriter out) {
        if (copy != null) {
            out.fields(copy);
        } else if (!rewritten && spanEnd >= 0) {
            writeReceivedLines(out);
            writeAdded(out);
        } else {
            for (int i = 0; i < count; i++) {
                if (live(i)) {
                    int f = i * 4;
                    out.bytes(source, fields[f], fields[f + 1] - fields[f]).put(':').put(' ');
                    if (rewritten) {
                        out.ascii(value(i));
                    } else {
                        out.bytes(source, fields[f + 2], fields[f + 3] - fields[f + 2]);
                    }
                    out.crlf();
                }
            }
            writeAdded(out);
        }
        out.crlf();
    }

    /** The kept lines as received: each run of consecutive kept lines in one copy. */
    private void writeReceivedLines(HeadWriter out) {
        if (!anyRemoved()) {
            out.bytes(source, spanStart, spanEnd - spanStart);
            return;
        }
        int runStart = -1;
        for (int i = 0; i <= count; i++) {
            boolean keep = i < count && live(i);
            if (keep && runStart < 0) {
                runStart = fields[i * 4];
            } else if (!keep && runStart >= 0) {
                // A line ends where the next one starts; the last one at the end of the span.
                int runEnd = i < count ? fields[i * 4] : spanEnd;
                out.bytes(source, runStart, runEnd - runStart);
                runStart = -1;
            }
        }
    }

    private void writeAdded(HeadWriter out) {
        for (int i = 0; i < addedCount; i++) {
            out.field(added[2 * i], added[2 * i + 1]);
        }
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
        for (int i = 0; i < addedCount; i++) {
            if (added[2 * i].equalsIgnoreCase(name)) {
                return added[2 * i + 1];
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
        for (int i = 0; i < addedCount; i++) {
            if (added[2 * i].equalsIgnoreCase(name)) {
                if (values == null) {
                    values = new ArrayList<>(2);
                }
                values.add(added[2 * i + 1]);
            }
        }
        return values == null ? Collections.emptyList() : values;
    }

    /** How many fields are named {@code name}; unlike {@link #getAll} it makes no list. */
    public int occurrences(String name) {
        if (copy != null) {
            return copy.getAll(name).size();
        }
        int n = 0;
        for (int i = 0; i < count; i++) {
            if (live(i) && nameIs(i, name)) {
                n++;
            }
        }
        for (int i = 0; i < addedCount; i++) {
            if (added[2 * i].equalsIgnoreCase(name)) {
                n++;
            }
        }
        return n;
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
        for (int i = 0; i < addedCount; i++) {
            if (added[2 * i].equalsIgnoreCase(name)) {
                return true;
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
        if (added == null) {
            added = new String[8];
        } else if (added.length == 2 * addedCount) {
            added = Arrays.copyOf(added, added.length * 2);
        }
        added[2 * addedCount] = name;
        added[2 * addedCount + 1] = value.toString();
        addedCount++;
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
                markRemoved(i);
            }
        }
        removeAdded(name);
        return this;
    }

    /**
     * Edits every field named {@code name} (lower case) in one pass: {@code edit} gets each value and returns the same
     * instance to keep it, another value to replace it, or null to remove the field. A replaced field moves after the
     * received ones, as {@link #set} moves it, and so do the later fields of that name, so their order is kept.
     * Cheaper than {@link #getAll}, {@link #remove} and {@link #add}, which look the name up once each.
     */
    public void editAll(String name, UnaryOperator<String> edit) {
        if (copy != null || addedNamed(name)) {
            editAllSlowly(this, name, edit);
            return;
        }
        boolean moving = false;
        for (int i = 0; i < count; i++) {
            if (live(i) && nameIs(i, name)) {
                String v = value(i);
                String r = edit.apply(v);
                if (r != v || moving) {
                    moving = true;
                    markRemoved(i);
                    if (r != null) {
                        add(name, r);
                    }
                }
            }
        }
    }

    private boolean addedNamed(String name) {
        for (int i = 0; i < addedCount; i++) {
            if (added[2 * i].equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    /** {@link #editAll} on any headers: in one pass on the proxy's own, else (rare here) with lists. */
    public static void editAll(HttpHeaders headers, String name, UnaryOperator<String> edit) {
        if (headers instanceof RawHeaders raw) {
            raw.editAll(name, edit);
        } else {
            editAllSlowly(headers, name, edit);
        }
    }

    /** Every field of that name is re-added, in order, once one changed; nothing is touched otherwise. */
    private static void editAllSlowly(HttpHeaders headers, String name, UnaryOperator<String> edit) {
        List<String> values = headers.getAll(name);
        List<String> edited = new ArrayList<>(values.size());
        boolean changed = false;
        for (String v : values) {
            String r = edit.apply(v);
            changed |= r != v;
            if (r != null) {
                edited.add(r);
            }
        }
        if (changed) {
            headers.remove(name);
            for (String r : edited) {
                headers.add(name, r);
            }
        }
    }

    private void removeAdded(String name) {
        int kept = 0;
        for (int i = 0; i < addedCount; i++) {
            if (!added[2 * i].equalsIgnoreCase(name)) {
                added[2 * kept] = added[2 * i];
                added[2 * kept + 1] = added[2 * i + 1];
                kept++;
            }
        }
        if (kept < addedCount) {
            Arrays.fill(added, 2 * kept, 2 * addedCount, null);
            addedCount = kept;
        }
    }

    @Override
    public int size() {
        if (copy != null) {
            return copy.size();
        }
        int n = addedCount;
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
