package io.personalize.model;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.lucene.util.ArrayUtil;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.common.document.DocumentField;
import org.elasticsearch.search.SearchHit;
import org.elasticsearch.search.builder.SearchSourceBuilder;

/**
 * The attribute values (category, brand...) of the catalogue's items, for users' attribute affinities: for each
 * configured attribute, a dictionary of its values and, per item, the ids of its values. Only items the events know
 * are kept: an attribute affinity comes from the items a user interacted with.
 */
public final class CatalogAttributes {

    private final List<String> names;
    private final IdDictionary[] values;
    // per attribute: item -> value ids, as (item, value) pairs
    private final int[][] pairItems;
    private final int[][] pairValues;
    private final int[] pairCounts;

    private CatalogAttributes(List<String> names) {
        this.names = names;
        this.values = new IdDictionary[names.size()];
        this.pairItems = new int[names.size()][];
        this.pairValues = new int[names.size()][];
        this.pairCounts = new int[names.size()];
        for (int a = 0; a < names.size(); a++) {
            values[a] = new IdDictionary();
            pairItems[a] = new int[64];
            pairValues[a] = new int[64];
        }
    }

    public static CatalogAttributes empty() {
        return new CatalogAttributes(List.of());
    }

    public List<String> names() {
        return names;
    }

    public IdDictionary values(int attribute) {
        return values[attribute];
    }

    /** Calls {@code consumer} with (item, value id) for every value of the attribute. */
    public void forEach(int attribute, PairConsumer consumer) {
        for (int p = 0; p < pairCounts[attribute]; p++) {
            consumer.accept(pairItems[attribute][p], pairValues[attribute][p]);
        }
    }

    public interface PairConsumer {
        void accept(int item, int value);
    }

    private void add(int attribute, int item, String value) {
        int p = pairCounts[attribute]++;
        pairItems[attribute] = ArrayUtil.grow(pairItems[attribute], p + 1);
        pairValues[attribute] = ArrayUtil.grow(pairValues[attribute], p + 1);
        pairItems[attribute][p] = item;
        pairValues[attribute][p] = values[attribute].add(value);
    }

    /** Reads the attributes of the items in {@code items} from the catalogue index. */
    public static void read(
            ModelConfig.Catalog catalog,
            IdDictionary items,
            IndexScan scan,
            ActionListener<CatalogAttributes> listener) {
        if (catalog.attributes().isEmpty()) {
            listener.onResponse(new CatalogAttributes(catalog.attributes()));
            return;
        }
        // a new one when a shard copy lost while the catalogue is read makes the scan read it all again
        AtomicReference<CatalogAttributes> read = new AtomicReference<>(new CatalogAttributes(catalog.attributes()));
        boolean byId = catalog.idField().equals("_id");
        scan.scan(
                catalog.index(),
                1,
                () -> {
                    SearchSourceBuilder source =
                            new SearchSourceBuilder().fetchSource(false).size(IndexScan.PAGE_SIZE);
                    if (byId) {
                        source.storedField("_id");
                    } else {
                        source.docValueField(catalog.idField());
                    }
                    catalog.attributes().forEach(source::docValueField);
                    return source;
                },
                (slice, hits) -> {
                    CatalogAttributes attributes = read.get();
                    for (SearchHit hit : hits.getHits()) {
                        String id = byId ? hit.getId() : EventReader.text(hit.field(catalog.idField()));
                        int item = id == null ? -1 : items.find(id);
                        if (item < 0) {
                            continue;
                        }
                        for (int a = 0; a < catalog.attributes().size(); a++) {
                            DocumentField field = hit.field(catalog.attributes().get(a));
                            if (field != null) {
                                for (Object value : field.getValues()) {
                                    attributes.add(a, item, value.toString());
                                }
                            }
                        }
                    }
                },
                (pit, done) -> done.onResponse(null),
                () -> read.set(new CatalogAttributes(catalog.attributes())),
                listener.map(done -> read.get()));
    }
}
