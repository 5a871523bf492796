package io.personalize.rescore;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.util.BytesRef;

/**
 * {@link PersonalizationSignals} indexed for a shard's hot loop: item ids and attribute values as {@link BytesRef}
 * keys, so that a hit's doc-value bytes are looked up without building a String.
 */
final class ShardSignals {

    private final PersonalizationSignals signals;
    private final Map<BytesRef, Integer> items;
    private final List<String> attributeFields;
    private final List<Map<BytesRef, Float>> attributeWeights;

    ShardSignals(PersonalizationSignals signals) {
        this.signals = signals;
        String[] ids = signals.items();
        this.items = new HashMap<>(ids.length * 2);
        for (int i = 0; i < ids.length; i++) {
            items.put(new BytesRef(ids[i]), i);
        }
        this.attributeFields = signals.attributeFields();
        this.attributeWeights = attributeFields.stream()
                .map(field -> {
                    Map<BytesRef, Float> weights = new HashMap<>();
                    signals.attributes()
                            .get(field)
                            .forEach((value, weight) -> weights.put(new BytesRef(value), weight));
                    return weights;
                })
                .toList();
    }

    String idField() {
        return signals.idField();
    }

    long modelVersion() {
        return signals.modelVersion();
    }

    /** The index of the item with these id bytes, or -1. */
    int item(BytesRef id) {
        Integer i = items.get(id);
        return i == null ? -1 : i;
    }

    float similarity(int item) {
        return signals.similarity(item);
    }

    float affinity(int item) {
        return signals.affinity(item);
    }

    float popularity(int item) {
        return signals.popularity(item);
    }

    String similarTo(int item) {
        return signals.similarTo(item);
    }

    String because(int item) {
        return signals.because(item);
    }

    List<String> attributeFields() {
        return attributeFields;
    }

    Map<BytesRef, Float> attributeWeights(int attribute) {
        return attributeWeights.get(attribute);
    }
}
