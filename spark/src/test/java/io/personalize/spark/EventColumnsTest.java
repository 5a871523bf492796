package io.personalize.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Events files with the model's field names: what is read, and bad files refused by column before any training. */
class EventColumnsTest extends LocalSparkTest {

    @TempDir
    Path dir;

    static ModelSettings settings(String valueField) {
        return new ModelSettings(
                "m",
                "events",
                "user_id",
                "sku",
                "type",
                "@timestamp",
                valueField,
                Map.of("view", 1.0, "purchase", 5.0),
                null,
                "cosine",
                10,
                null,
                null,
                null,
                500,
                100,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    private Dataset<Row> read(String format, String name, String content, ModelSettings settings) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        var reader = spark.read().format(format);
        if (format.equals("csv")) {
            reader = reader.option("header", "true");
        }
        return EventColumns.of(reader.load(file.toString()), settings, "events [" + file.getFileName() + "]");
    }

    @Test
    void csvWithTheModelsFieldNames() throws IOException {
        List<Row> rows = read(
                        "csv",
                        "events.csv",
                        "user_id,sku,type,@timestamp,qty\n"
                                + "u1,A,purchase,2011-12-01T08:26:00Z,2\n"
                                + "u2,B,view,1322727960000,\n"
                                + ",C,view,2011-12-01 08:26:00,1\n",
                        settings("qty"))
                .collectAsList();
        assertEquals(3, rows.size());
        assertEquals(
                List.of("u1", "A", "purchase", 1322727960000L, 2.0),
                List.of(
                        rows.get(0).get(0),
                        rows.get(0).get(1),
                        rows.get(0).get(2),
                        rows.get(0).get(3),
                        rows.get(0).get(4)));
        assertEquals(1322727960000L, rows.get(1).getLong(3));
        assertEquals(true, rows.get(1).isNullAt(4), "an empty value is missing (skipped as bad_value later)");
        assertEquals(true, rows.get(2).isNullAt(0), "an empty user is missing (skipped as missing_field later)");
        assertEquals(1322727960000L, rows.get(2).getLong(3), "a date without a zone is UTC, as Elasticsearch reads it");
    }

    @Test
    void jsonWithIntegerIdsAndEpochMillis() throws IOException {
        Row row = read(
                        "json",
                        "events.json",
                        "{\"user_id\": 17850, \"sku\": \"85123A\", \"type\": \"view\", \"@timestamp\": 1322727960000}\n",
                        settings(null))
                .first();
        assertEquals("17850", row.getString(0));
        assertEquals(1322727960000L, row.getLong(3));
    }

    @Test
    void aMissingColumnIsNamed() {
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> read(
                        "csv", "no-type.csv", "user_id,sku,@timestamp\nu1,A,2011-12-01T08:26:00Z\n", settings(null)));
        assertEquals(
                "events [no-type.csv]: no column [type] (the model's events.type_field); the columns are [user_id, sku,"
                        + " @timestamp]",
                e.getMessage());
    }

    @Test
    void aColumnOfTheWrongTypeIsNamed() {
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> read(
                        "json",
                        "bad-time.json",
                        "{\"user_id\": \"u1\", \"sku\": \"A\", \"type\": \"view\", \"@timestamp\": true}\n",
                        settings(null)));
        assertEquals(
                "events [bad-time.json]: column [@timestamp] is boolean, it must be a date: a timestamp, epoch"
                        + " milliseconds or an ISO 8601 string",
                e.getMessage());
        var ids = assertThrows(
                IllegalArgumentException.class,
                () -> read(
                        "json",
                        "bad-sku.json",
                        "{\"user_id\": \"u1\", \"sku\": 1.5, \"type\": \"view\", \"@timestamp\": 1}\n",
                        settings(null)));
        assertEquals(
                "events [bad-sku.json]: column [sku] is double, it must be a string or an integer (an id)",
                ids.getMessage());
    }

    @Test
    void textThatDoesNotParseIsNamedWithItsValue() {
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> read(
                        "csv",
                        "bad-dates.csv",
                        "user_id,sku,type,@timestamp\nu1,A,view,2011-12-01T08:26:00Z\nu2,B,view,yesterday\n",
                        settings(null)));
        assertEquals(
                "events [bad-dates.csv]: column [@timestamp] holds [yesterday], which is not a date (ISO 8601 or"
                        + " epoch milliseconds); nothing was trained or imported",
                e.getMessage());
        var v = assertThrows(
                IllegalArgumentException.class,
                () -> read(
                        "csv", "bad-qty.csv", "user_id,sku,type,@timestamp,qty\nu1,A,view,1,two\n", settings("qty")));
        assertEquals(
                "events [bad-qty.csv]: column [qty] holds [two], which is not a number; nothing was trained or"
                        + " imported",
                v.getMessage());
    }
}
