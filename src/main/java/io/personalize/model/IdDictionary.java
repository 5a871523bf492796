package io.personalize.model;

import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.BytesRefHash;

/**
 * Dense int ids for user and item ids: training works on arrays indexed by these ints. Backed by Lucene's
 * {@link BytesRefHash}, which keeps the strings' bytes in shared blocks instead of a String object per id.
 */
public final class IdDictionary {

    private final BytesRefHash hash = new BytesRefHash();
    private final BytesRef scratch = new BytesRef();

    /** The id of {@code key}, added if new. */
    public int add(String key) {
        return add(new BytesRef(key));
    }

    public int add(BytesRef key) {
        int id = hash.add(key);
        return id >= 0 ? id : -id - 1;
    }

    /** The id of {@code key}, or -1 when it is unknown. */
    public int find(String key) {
        return hash.find(new BytesRef(key));
    }

    public String get(int id) {
        return hash.get(id, scratch).utf8ToString();
    }

    public int size() {
        return hash.size();
    }

    /** Bytes held, for memory accounting. */
    public long ramBytesUsed() {
        return hash.ramBytesUsed();
    }
}
