package io.personalize.model;

import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.BytesRefHash;

/**
 * Dense int ids for user and item ids: training works on arrays indexed by these ints. Backed by Lucene's
 * {@link BytesRefHash}, which keeps the strings' bytes in shared blocks instead of a String object per id.
 */
public final class IdDictionary {

    private BytesRefHash hash = new BytesRefHash();

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

    /** The key of {@code id}; safe from several threads at once while nothing is added. */
    public String get(int id) {
        return hash.get(id, new BytesRef()).utf8ToString();
    }

    public int size() {
        return hash.size();
    }

    /**
     * Gives the ids anew in the order of the keys' bytes, and answers {@code remap[oldId] = newId}. Ids are given in the
     * order keys arrive, which parallel reads make vary from run to run; what training ranks breaks ties by id, so
     * identical data must get identical ids for identical results.
     */
    public int[] renumberSorted() {
        int[] sorted = hash.sort(); // destructive: the old hash still reads by id, nothing else
        BytesRefHash renumbered = new BytesRefHash();
        int[] remap = new int[hash.size()];
        BytesRef key = new BytesRef();
        for (int newId = 0; newId < remap.length; newId++) {
            renumbered.add(hash.get(sorted[newId], key));
            remap[sorted[newId]] = newId;
        }
        hash.close();
        hash = renumbered;
        return remap;
    }

    /** Bytes held, for memory accounting. */
    public long ramBytesUsed() {
        return hash.ramBytesUsed();
    }
}
