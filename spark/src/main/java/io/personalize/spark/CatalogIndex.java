package io.personalize.spark;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The catalogue's attribute values, for users' attribute affinities, as rows of {@link #SCHEMA}: an item's id and,
 * per attribute of {@code catalog.attributes} (in the model's order), its values. Read from the catalogue index as
 * the events are (one point in time, sliced, {@code search_after}, doc values only: the values in doc-value order, as
 * the node reads them), or from files with the catalogue's field names.
 */
public final class CatalogIndex {

    public static final StructType SCHEMA = new StructType()
            .add("item", DataTypes.StringType)
            .add("values", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.StringType)));

    private CatalogIndex() {}

    /** The catalogue's documents of the point in time, in {@code slices} Spark partitions. */
    public static Dataset<Row> read(
            SparkSession spark, EventIndex.PointInTime pit, CatalogSettings catalog, int slices) {
        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Elasticsearch es = pit.es();
        String pitId = pit.id();
        int pageSize = pit.pageSize();
        JavaRDD<Row> rows = context.parallelize(
                        IntStream.range(0, slices).boxed().toList(), slices)
                .mapPartitions(slice -> new CatalogSlice(es, pitId, pageSize, catalog, slice.next(), slices));
        return spark.createDataFrame(rows, SCHEMA);
    }

    /**
     * A table with the catalogue's field names (Parquet, JSON, CSV): the id a string or an integer, each attribute a
     * string, a number, a boolean or an array of them (its values then taken in the order of their bytes, once each,
     * as a keyword's doc values give them). A missing column or one of another type is refused, naming it.
     */
    public static Dataset<Row> of(Dataset<Row> table, CatalogSettings catalog, String source) {
        StructType schema = table.schema();
        DataType idType = field(schema, catalog.idField(), "catalog.id_field", source);
        if (idType.equals(DataTypes.StringType) == false && integral(idType) == false) {
            throw wrongType(source, catalog.idField(), idType, "a string or an integer (an id)");
        }
        Column[] values = new Column[catalog.attributes().size()];
        for (int a = 0; a < values.length; a++) {
            String name = catalog.attributes().get(a);
            DataType t = field(schema, name, "catalog.attributes", source);
            Column c = col(EventColumns.quote(name));
            if (t instanceof ArrayType arrayType && scalar(arrayType.elementType())) {
                values[a] = org.apache.spark.sql.functions.array_sort(org.apache.spark.sql.functions.array_distinct(
                        c.cast(DataTypes.createArrayType(DataTypes.StringType))));
            } else if (scalar(t)) {
                values[a] = org.apache
                        .spark
                        .sql
                        .functions
                        .when(c.isNull(), org.apache.spark.sql.functions.array())
                        .otherwise(array(c.cast(DataTypes.StringType)));
            } else {
                throw wrongType(
                        source, name, t, "a string, a number, a boolean or an array of them (an attribute's values)");
            }
        }
        return table.select(
                col(EventColumns.quote(catalog.idField()))
                        .cast(DataTypes.StringType)
                        .as("item"),
                (values.length == 0 ? org.apache.spark.sql.functions.array() : array(values)).as("values"));
    }

    private static DataType field(StructType schema, String name, String setting, String source) {
        for (StructField f : schema.fields()) {
            if (f.name().equals(name)) {
                return f.dataType();
            }
        }
        throw new IllegalArgumentException(source + ": no column [" + name + "] (the model's " + setting
                + "); the columns are " + Arrays.toString(schema.fieldNames()));
    }

    private static boolean scalar(DataType t) {
        return t.equals(DataTypes.StringType)
                || integral(t)
                || t.equals(DataTypes.BooleanType)
                || t.equals(DataTypes.FloatType)
                || t.equals(DataTypes.DoubleType);
    }

    private static boolean integral(DataType t) {
        return t.equals(DataTypes.LongType)
                || t.equals(DataTypes.IntegerType)
                || t.equals(DataTypes.ShortType)
                || t.equals(DataTypes.ByteType);
    }

    private static RuntimeException wrongType(String source, String name, DataType t, String expected) {
        return new IllegalArgumentException(
                source + ": column [" + name + "] is " + t.simpleString() + ", it must be " + expected);
    }

    /** One slice of the catalogue: each document's id and its attributes' doc values, as the node's training reads. */
    static final class CatalogSlice extends EventIndex.SliceReader {
        private final CatalogSettings catalog;
        private final boolean byId;

        CatalogSlice(Elasticsearch es, String pitId, int pageSize, CatalogSettings catalog, int slice, int slices) {
            super(es, pitId, pageSize, slice, slices);
            this.catalog = catalog;
            this.byId = catalog.idField().equals("_id");
        }

        @Override
        String filterPath() {
            return byId ? "pit_id,hits.hits._id,hits.hits.fields,hits.hits.sort" : super.filterPath();
        }

        @Override
        void request(ObjectNode body) {
            ArrayNode fields = body.putArray("docvalue_fields");
            if (byId == false) {
                fields.add(catalog.idField());
            }
            catalog.attributes().forEach(fields::add);
        }

        @Override
        Row row(JsonNode hit) {
            JsonNode fields = hit.path("fields");
            String id = byId ? hit.path("_id").asText(null) : first(fields, catalog.idField());
            if (id == null) {
                return null;
            }
            // Spark's row encoder wants Scala sequences for arrays
            List<scala.collection.Seq<String>> values =
                    new ArrayList<>(catalog.attributes().size());
            for (String attribute : catalog.attributes()) {
                List<String> these = new ArrayList<>();
                for (JsonNode value : fields.path(attribute)) {
                    these.add(value.asText());
                }
                values.add(scala.jdk.javaapi.CollectionConverters.asScala(these).toSeq());
            }
            return RowFactory.create(
                    id, scala.jdk.javaapi.CollectionConverters.asScala(values).toSeq());
        }
    }
}
