package io.personalize.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Catalogue attributes for Online Retail's products, which have only a title and a price: a price band (one keyword)
 * and the title's first words (several keywords), so that users' attribute affinities have something to be computed
 * from (the Spark job's against the node's).
 */
public final class ProductAttributes {

    public static final List<String> NAMES = List.of("price_band", "words");

    private ProductAttributes() {}

    /** The products index's mapping of the attributes, added to an existing index. */
    public static String mapping() {
        return "{\"properties\": {\"price_band\": {\"type\": \"keyword\"}, \"words\": {\"type\": \"keyword\"}}}";
    }

    /** The product's document ({@link Shop#productDocument}) with its attributes. */
    public static Map<String, Object> document(OnlineRetail.Product p) {
        Map<String, Object> doc = new LinkedHashMap<>(Shop.productDocument(p));
        double price = p.price();
        doc.put("price_band", price < 1 ? "under 1" : price < 2 ? "1 to 2" : price < 5 ? "2 to 5" : "5 and more");
        List<String> words = new ArrayList<>();
        if (p.title() != null) {
            for (String word : p.title().toLowerCase(Locale.ROOT).split("[^a-z0-9]+")) {
                if (word.length() > 2 && words.size() < 3) {
                    words.add(word);
                }
            }
        }
        doc.put("words", words);
        return doc;
    }
}
