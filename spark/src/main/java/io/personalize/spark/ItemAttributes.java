package io.personalize.spark;

import io.personalize.serving.AttributeAffinities;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * The catalogue's attribute values of the trained items, indexed by the plugin's {@link AttributeAffinities} (the
 * formula users' affinities are computed with, in the users' partitions). As the node: only the items the events know
 * are kept, each item's values in the order the catalogue gives them (ties between equal affinities go to the value met
 * first), and value ids numbered as they are met.
 */
public final class ItemAttributes {

    private ItemAttributes() {}

    /** From rows of {@link CatalogIndex#SCHEMA}; {@code itemNames} in the order of their bytes (the items' numbers). */
    public static AttributeAffinities of(Dataset<Row> catalog, CatalogSettings settings, String[] itemNames) {
        JavaSparkContext context =
                JavaSparkContext.fromSparkContext(catalog.sparkSession().sparkContext());
        Broadcast<String[]> names = context.broadcast(itemNames);
        // the items' numbers are found in the tasks (a binary search in the sorted ids); only known items travel
        List<Tuple2<Integer, List<List<String>>>> known = catalog.javaRDD()
                .flatMap(row -> {
                    int item = Arrays.binarySearch(names.value(), row.getString(0), SparkTrainer.BYTES);
                    if (item < 0) {
                        return java.util.Collections.emptyIterator();
                    }
                    List<List<String>> values = new ArrayList<>();
                    for (Object attribute : row.getList(1)) {
                        values.add(new ArrayList<>(scala.jdk.javaapi.CollectionConverters.asJava(
                                (scala.collection.Seq<String>) attribute)));
                    }
                    return List.of(new Tuple2<>(item, values)).iterator();
                })
                .collect();
        names.destroy();
        int numAttributes = settings.attributes().size();
        List<Map<String, Integer>> ids = new ArrayList<>();
        List<List<String>> texts = new ArrayList<>();
        int[][] pairItems = new int[numAttributes][];
        int[][] pairValues = new int[numAttributes][];
        int[] counts = new int[numAttributes];
        for (int a = 0; a < numAttributes; a++) {
            ids.add(new HashMap<>());
            texts.add(new ArrayList<>());
            pairItems[a] = new int[64];
            pairValues[a] = new int[64];
        }
        for (Tuple2<Integer, List<List<String>>> document : known) {
            for (int a = 0; a < numAttributes; a++) {
                for (String value : document._2().get(a)) {
                    List<String> text = texts.get(a);
                    int id = ids.get(a).computeIfAbsent(value, v -> {
                        text.add(v);
                        return text.size() - 1;
                    });
                    if (counts[a] == pairItems[a].length) {
                        pairItems[a] = Arrays.copyOf(pairItems[a], counts[a] * 2);
                        pairValues[a] = Arrays.copyOf(pairValues[a], counts[a] * 2);
                    }
                    pairItems[a][counts[a]] = document._1();
                    pairValues[a][counts[a]++] = id;
                }
            }
        }
        String[][] valueNames = new String[numAttributes][];
        for (int a = 0; a < numAttributes; a++) {
            valueNames[a] = texts.get(a).toArray(new String[0]);
        }
        return AttributeAffinities.index(settings.attributes(), valueNames, itemNames.length, (a, consumer) -> {
            for (int p = 0; p < counts[a]; p++) {
                consumer.accept(pairItems[a][p], pairValues[a][p]);
            }
        });
    }
}
