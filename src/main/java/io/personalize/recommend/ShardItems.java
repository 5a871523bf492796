package io.personalize.recommend;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.index.DocValuesType;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.SortedSetDocValues;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;

/**
 * Which of some item ids a shard's reader holds, with their attribute values: what a shelf's catalogue read without a
 * filter asks (does each candidate exist, may the caller read it, its values for affinities and diversity), answered
 * with a term look-up per id in the id field's terms and the attributes' doc values, instead of a search.
 *
 * <p>The reader is the one {@code IndexShard.acquireSearcher} gives, which Elasticsearch's security wraps for the
 * caller whose action was authorized: document-level security hides documents through the reader's live documents, and
 * field-level security hides fields (their terms and doc values read as absent). So an item is found here exactly when
 * a terms query on the id field would match it in a search by the same caller, and an attribute's values are those a
 * terms aggregation on it would list (each distinct value once, in the order of their bytes, as the aggregation's
 * count-then-key order gives for one item).
 *
 * <p>Only plain keyword fields are read this way (the ids' and the attributes' terms are the values as given); {@link
 * #readable} says whether a field is, so that the caller can fall back to a search for any other mapping.
 */
public final class ShardItems {

    private ShardItems() {}

    /**
     * Whether a field can be read here: indexed terms (for the id field) or sorted-set doc values (for attributes) in
     * every segment that has it.
     */
    public static boolean readable(IndexReader reader, String field, boolean asId) {
        for (LeafReaderContext leaf : reader.leaves()) {
            FieldInfo info = leaf.reader().getFieldInfos().fieldInfo(field);
            if (info == null) {
                continue;
            }
            if (asId
                    ? info.getIndexOptions() == IndexOptions.NONE
                    : info.getDocValuesType() != DocValuesType.SORTED_SET) {
                return false;
            }
        }
        return true;
    }

    /**
     * The items of {@code ids} found in {@code reader}'s live documents, each with the values of {@code attributes}
     * (at most {@code maxValues} per attribute), keyed by the indexed id. {@code normalizer} turns an id into the term
     * the field indexed (the keyword field's normalizer); null: the field has none, and the term is the id's UTF-8
     * bytes, taken without the analysis chain (whose token stream and attributes per id were about 30% of this read's
     * time on the bench), as Elasticsearch's keyword field takes a term query's value ({@code indexedValueForSearch}).
     */
    public static Map<String, Map<String, List<String>>> read(
            IndexReader reader,
            String idField,
            Analyzer normalizer,
            Collection<String> ids,
            List<String> attributes,
            int maxValues)
            throws IOException {
        // seekExact in the terms' order walks the terms dictionary forward. Without a normalizer the ids are sorted as
        // strings: the same order but for characters past U+FFFF (which only changes the walk, not what is found), and
        // the read took 65 µs instead of 74 with their UTF-8 bytes sorted (about 60 ids on the bench, issue 13 stop 39)
        List<String> keys = new ArrayList<>(ids);
        List<BytesRef> terms = new ArrayList<>(keys.size());
        if (normalizer == null) {
            keys.sort(null);
            for (String id : keys) {
                terms.add(new BytesRef(id));
            }
        } else {
            for (String id : keys) {
                terms.add(normalizer.normalize(idField, id));
            }
            terms.sort(null);
        }
        Map<String, Map<String, TreeSet<BytesRef>>> found = new LinkedHashMap<>();
        for (LeafReaderContext context : reader.leaves()) {
            LeafReader leaf = context.reader();
            Terms idTerms = leaf.terms(idField);
            if (idTerms == null) {
                continue; // no document of the segment has the field, or the caller may not see it
            }
            TermsEnum termsEnum = idTerms.iterator();
            Bits live = leaf.getLiveDocs();
            PostingsEnum postings = null;
            for (int t = 0; t < keys.size(); t++) {
                BytesRef term = terms.get(t);
                if (termsEnum.seekExact(term) == false) {
                    continue;
                }
                // the id as given, or the indexed term a normalizer made of it
                String key = normalizer == null ? keys.get(t) : term.utf8ToString();
                postings = termsEnum.postings(postings, PostingsEnum.NONE);
                for (int doc = postings.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = postings.nextDoc()) {
                    if (live != null && live.get(doc) == false) {
                        continue;
                    }
                    Map<String, TreeSet<BytesRef>> values = found.computeIfAbsent(key, k -> new HashMap<>());
                    for (String attribute : attributes) {
                        addValues(leaf, attribute, doc, values);
                    }
                }
            }
        }
        Map<String, Map<String, List<String>>> items = new LinkedHashMap<>();
        found.forEach((item, values) -> {
            Map<String, List<String>> attributeValues = new HashMap<>();
            values.forEach((attribute, set) -> {
                List<String> list = new ArrayList<>(Math.min(set.size(), maxValues));
                for (BytesRef value : set) {
                    if (list.size() == maxValues) {
                        break;
                    }
                    list.add(value.utf8ToString());
                }
                attributeValues.put(attribute, list);
            });
            items.put(item, attributeValues);
        });
        return items;
    }

    private static void addValues(LeafReader leaf, String attribute, int doc, Map<String, TreeSet<BytesRef>> values)
            throws IOException {
        // a fresh iterator per document: doc values iterate forward only, and the postings of several ids interleave
        SortedSetDocValues docValues = leaf.getSortedSetDocValues(attribute);
        if (docValues == null || docValues.advanceExact(doc) == false) {
            return;
        }
        TreeSet<BytesRef> set = values.computeIfAbsent(attribute, k -> new TreeSet<>());
        for (int i = 0; i < docValues.docValueCount(); i++) {
            set.add(BytesRef.deepCopyOf(docValues.lookupOrd(docValues.nextOrd())));
        }
    }
}
