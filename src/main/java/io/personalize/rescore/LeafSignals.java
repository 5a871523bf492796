package io.personalize.rescore;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.SortedNumericDocValues;
import org.apache.lucene.index.SortedSetDocValues;
import org.apache.lucene.index.StoredFieldVisitor;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.util.BytesRef;
import org.elasticsearch.index.mapper.IdFieldMapper;
import org.elasticsearch.index.mapper.Uid;

/**
 * A shard's {@link ShardSignals} seen from one segment: the personalized part of a document's score (everything in
 * {@link PersonalizedScore} but the query's term). The rescorer and any per-document scorer go through this one
 * class, so the formula and the way a document's item and attribute values are read exist once. Documents are
 * segment-local ids asked in strictly increasing order (doc values only move forward): one instance per pass.
 */
final class LeafSignals {

    private final ShardSignals signals;
    private final RescoreWeights weights;
    private final SortedSetDocValues ids;
    private final SortedNumericDocValues numericIds;
    // the _id field has no doc values in standard indices: its stored (or, in columnar indices, binary) value
    private final BinaryDocValues columnarIds;
    private final StoredFields storedFields;
    private final SortedSetDocValues[] attributeValues;

    LeafSignals(LeafReader reader, ShardSignals signals, RescoreWeights weights) throws IOException {
        this.signals = signals;
        this.weights = weights;
        if (IdFieldMapper.NAME.equals(signals.idField())) {
            ids = null;
            numericIds = null;
            columnarIds = reader.getBinaryDocValues(IdFieldMapper.NAME);
            storedFields = columnarIds == null ? reader.storedFields() : null;
        } else {
            ids = reader.getSortedSetDocValues(signals.idField());
            numericIds = ids == null ? reader.getSortedNumericDocValues(signals.idField()) : null;
            columnarIds = null;
            storedFields = null;
        }
        attributeValues = new SortedSetDocValues[signals.attributeFields().size()];
        for (int a = 0; a < attributeValues.length; a++) {
            attributeValues[a] =
                    DocValues.getSortedSet(reader, signals.attributeFields().get(a));
        }
    }

    /** The weighted personalized part of the document's score: add the weighted, normalised query score to it. */
    float score(int doc) throws IOException {
        int item = item(doc);
        return PersonalizedScore.combine(
                weights,
                0f,
                item < 0 ? 0f : signals.similarity(item),
                item < 0 ? 0f : signals.affinity(item),
                attributeAffinity(doc),
                item < 0 ? 0f : signals.popularity(item));
    }

    /** The index of the document's item in the signals, or -1 when the signals do not know it. */
    int item(int doc) throws IOException {
        if (ids != null) {
            return ids.advanceExact(doc) ? signals.item(ids.lookupOrd(ids.nextOrd())) : -1;
        }
        if (numericIds != null) {
            return numericIds.advanceExact(doc)
                    ? signals.item(new BytesRef(Long.toString(numericIds.nextValue())))
                    : -1;
        }
        if (columnarIds != null) {
            if (columnarIds.advanceExact(doc) == false) {
                return -1;
            }
            // the (bytes, offset, length) form: every 9.x release has it (9.2 has no decodeId(BytesRef))
            BytesRef encoded = columnarIds.binaryValue();
            return signals.item(new BytesRef(Uid.decodeId(encoded.bytes, encoded.offset, encoded.length)));
        }
        if (storedFields != null) {
            IdVisitor visitor = new IdVisitor();
            storedFields.document(doc, visitor);
            return visitor.id == null ? -1 : signals.item(new BytesRef(visitor.id));
        }
        return -1;
    }

    /** The mean over the attribute fields of the best weight among the document's values. */
    float attributeAffinity(int doc) throws IOException {
        if (attributeValues.length == 0) {
            return 0f;
        }
        float sum = 0;
        for (int a = 0; a < attributeValues.length; a++) {
            SortedSetDocValues values = attributeValues[a];
            if (values.advanceExact(doc)) {
                Map<BytesRef, Float> attributeWeights = signals.attributeWeights(a);
                float best = 0;
                for (int v = 0; v < values.docValueCount(); v++) {
                    Float weight = attributeWeights.get(values.lookupOrd(values.nextOrd()));
                    if (weight != null) {
                        best = Math.max(best, weight);
                    }
                }
                sum += best;
            }
        }
        return sum / attributeValues.length;
    }

    /** The document's attribute values that carry a weight for the shopper, for explain. */
    List<Explanation> explainAttributes(int doc) throws IOException {
        List<Explanation> parts = new ArrayList<>();
        for (int a = 0; a < attributeValues.length; a++) {
            SortedSetDocValues values = attributeValues[a];
            if (values.advanceExact(doc)) {
                Map<BytesRef, Float> attributeWeights = signals.attributeWeights(a);
                for (int v = 0; v < values.docValueCount(); v++) {
                    BytesRef value = values.lookupOrd(values.nextOrd());
                    Float weight = attributeWeights.get(value);
                    if (weight != null) {
                        parts.add(Explanation.match(
                                weight, signals.attributeFields().get(a) + " = [" + value.utf8ToString() + "]"));
                    }
                }
            }
        }
        return parts;
    }

    /** Reads the stored _id of a document and stops. */
    private static final class IdVisitor extends StoredFieldVisitor {
        String id;

        @Override
        public Status needsField(FieldInfo fieldInfo) {
            if (id != null) {
                return Status.STOP;
            }
            return IdFieldMapper.NAME.equals(fieldInfo.name) ? Status.YES : Status.NO;
        }

        @Override
        public void binaryField(FieldInfo fieldInfo, byte[] value) {
            id = Uid.decodeId(value);
        }

        @Override
        public void stringField(FieldInfo fieldInfo, String value) {
            id = value;
        }
    }
}
