package io.personalize.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The catalogue's rows: from the index's hits (the id and each attribute's doc values, in their order, through Spark's
 * row encoder as the slices give them), and from a table, whose missing or mistyped columns are refused by name.
 */
class CatalogIndexTest extends LocalSparkTest {

    static final CatalogSettings CATALOG = new CatalogSettings("products", "sku", List.of("category", "tags"));

    @Test
    void hitsBecomeRowsWithEachAttributesValuesInTheirOrder() throws Exception {
        CatalogIndex.CatalogSlice slice = new CatalogIndex.CatalogSlice(
                new Elasticsearch("http://127.0.0.1:21299", null, null), "pit", EventIndex.PAGE, CATALOG, 0, 1);
        Row a = slice.row(
                Elasticsearch.JSON.readTree(
                        "{\"fields\": {\"sku\": [\"A1\"], \"category\": [\"candles\"], \"tags\": [\"gift\", \"red\", \"xmas\"]}}"));
        Row b = slice.row(Elasticsearch.JSON.readTree("{\"fields\": {\"sku\": [\"B2\"]}}"));
        assertEquals(null, slice.row(Elasticsearch.JSON.readTree("{\"fields\": {\"category\": [\"no id\"]}}")));
        List<Row> rows = spark.createDataFrame(
                        JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(List.of(a, b), 1),
                        CatalogIndex.SCHEMA)
                .collectAsList();
        assertEquals("A1", rows.get(0).getString(0));
        assertEquals(List.of("candles"), values(rows.get(0), 0));
        assertEquals(List.of("gift", "red", "xmas"), values(rows.get(0), 1));
        assertEquals(List.of(), values(rows.get(1), 0));
    }

    @Test
    void aTablesMissingOrMistypedColumnIsNamed() {
        StructType schema = new StructType()
                .add("sku", DataTypes.StringType)
                .add("category", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType));
        var table = spark.createDataFrame(List.of(RowFactory.create("A1", null)), schema);
        IllegalArgumentException mistyped =
                assertThrows(IllegalArgumentException.class, () -> CatalogIndex.of(table, CATALOG, "catalog [p.json]"));
        assertEquals(
                "catalog [p.json]: column [category] is map<string,string>, it must be a string, a number, a boolean"
                        + " or an array of them (an attribute's values)",
                mistyped.getMessage());
        IllegalArgumentException missing = assertThrows(
                IllegalArgumentException.class,
                () -> CatalogIndex.of(
                        table, new CatalogSettings("products", "sku", List.of("brand")), "catalog [p.json]"));
        assertTrue(
                missing.getMessage()
                        .equals("catalog [p.json]: no column [brand] (the model's catalog.attributes);"
                                + " the columns are [sku, category]"),
                missing.getMessage());
    }

    private static List<String> values(Row row, int attribute) {
        List<Object> all = row.getList(1);
        return scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.Seq<String>) all.get(attribute));
    }
}
