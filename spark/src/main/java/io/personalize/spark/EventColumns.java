package io.personalize.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Turns a table of events with the model's field names (a Parquet, JSON or CSV file, or the events index) into the
 * columns training reads: {@code user}, {@code item}, {@code type} (strings), {@code time} (epoch milliseconds) and
 * {@code value} (a double, null without a value field). A column that is missing or of a type that cannot hold its
 * field is refused before anything is read, naming the column; in text (CSV, or strings in JSON) a time or value that
 * does not parse is refused the same way, with the first such value, before anything is trained or imported. A row
 * with a null field is not an error: training skips it as the node does ({@code missing_field}).
 */
public final class EventColumns {

    public static final StructType SCHEMA = new StructType()
            .add("user", DataTypes.StringType)
            .add("item", DataTypes.StringType)
            .add("type", DataTypes.StringType)
            .add("time", DataTypes.LongType)
            .add("value", DataTypes.DoubleType);

    private EventColumns() {}

    public static Dataset<Row> of(Dataset<Row> table, ModelSettings model, String source) {
        StructType schema = table.schema();
        Column user = id(schema, model.userField(), "events.user_field", source);
        Column item = id(schema, model.itemField(), "events.item_field", source);
        Column type = text(schema, model.typeField(), "events.type_field", source);
        Column time = time(schema, model.timeField(), source);
        Column value = model.valueField() == null
                ? lit(null).cast(DataTypes.DoubleType)
                : value(schema, model.valueField(), source);
        Dataset<Row> events =
                table.select(user.as("user"), item.as("item"), type.as("type"), time.as("time"), value.as("value"));
        checkParsed(table, model, source);
        return events;
    }

    private static StructField field(StructType schema, String name, String setting, String source) {
        for (StructField f : schema.fields()) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException(source + ": no column [" + name + "] (the model's " + setting
                + "); the columns are " + Arrays.toString(schema.fieldNames()));
    }

    private static Column id(StructType schema, String name, String setting, String source) {
        DataType t = field(schema, name, setting, source).dataType();
        if (t.equals(DataTypes.StringType) || integral(t)) {
            return col(quote(name)).cast(DataTypes.StringType);
        }
        throw wrongType(source, name, t, "a string or an integer (an id)");
    }

    private static Column text(StructType schema, String name, String setting, String source) {
        DataType t = field(schema, name, setting, source).dataType();
        if (t.equals(DataTypes.StringType)) {
            return col(quote(name));
        }
        throw wrongType(source, name, t, "a string (an event type)");
    }

    /** Timestamps and dates as they are; integers as epoch milliseconds; strings as ISO 8601 dates or epoch millis. */
    private static Column time(StructType schema, String name, String source) {
        DataType t = field(schema, name, "events.time_field", source).dataType();
        Column c = col(quote(name));
        if (t.equals(DataTypes.TimestampType) || t.equals(DataTypes.TimestampNTZType)) {
            return expr("unix_millis(" + quote(name) + ")");
        }
        if (t.equals(DataTypes.DateType)) {
            return expr("unix_millis(cast(" + quote(name) + " as timestamp))");
        }
        if (integral(t)) {
            return c.cast(DataTypes.LongType);
        }
        if (t.equals(DataTypes.StringType)) {
            return parseTime(name);
        }
        throw wrongType(source, name, t, "a date: a timestamp, epoch milliseconds or an ISO 8601 string");
    }

    private static Column value(StructType schema, String name, String source) {
        DataType t = field(schema, name, "events.value_field", source).dataType();
        if (integral(t)
                || t.equals(DataTypes.FloatType)
                || t.equals(DataTypes.DoubleType)
                || t instanceof org.apache.spark.sql.types.DecimalType) {
            return col(quote(name)).cast(DataTypes.DoubleType);
        }
        if (t.equals(DataTypes.StringType)) {
            return parseNumber(name);
        }
        throw wrongType(source, name, t, "a number");
    }

    /** Text that did not parse: the first such value of each column, or nothing. One pass over the table. */
    private static void checkParsed(Dataset<Row> table, ModelSettings model, String source) {
        List<String[]> checks = new java.util.ArrayList<>();
        StructType schema = table.schema();
        if (schema.apply(model.timeField()).dataType().equals(DataTypes.StringType)) {
            checks.add(new String[] {model.timeField(), "time", "a date (ISO 8601 or epoch milliseconds)"});
        }
        if (model.valueField() != null
                && schema.apply(model.valueField()).dataType().equals(DataTypes.StringType)) {
            checks.add(new String[] {model.valueField(), "value", "a number"});
        }
        if (checks.isEmpty()) {
            return;
        }
        Column[] firsts = new Column[checks.size()];
        for (int x = 0; x < checks.size(); x++) {
            String[] c = checks.get(x);
            Column bad = col(quote(c[0]))
                    .isNotNull()
                    .and(org.apache.spark.sql.functions.trim(col(quote(c[0]))).notEqual(""))
                    .and((c[1].equals("time") ? parseTime(c[0]) : parseNumber(c[0])).isNull());
            firsts[x] = org.apache.spark.sql.functions.first(when(bad, col(quote(c[0]))), true);
        }
        Row found = table.agg(firsts[0], Arrays.copyOfRange(firsts, 1, firsts.length))
                .first();
        for (int x = 0; x < checks.size(); x++) {
            if (found.isNullAt(x) == false) {
                String[] c = checks.get(x);
                throw new IllegalArgumentException(source + ": column [" + c[0] + "] holds [" + found.get(x)
                        + "], which is not " + c[2] + "; nothing was trained or imported");
            }
        }
    }

    private static Column parseTime(String name) {
        return when(col(quote(name)).rlike("^-?[0-9]+$"), expr("try_cast(" + quote(name) + " as bigint)"))
                .otherwise(expr("unix_millis(try_cast(" + quote(name) + " as timestamp))"));
    }

    private static Column parseNumber(String name) {
        return expr("try_cast(" + quote(name) + " as double)");
    }

    private static RuntimeException wrongType(String source, String name, DataType t, String expected) {
        return new IllegalArgumentException(
                source + ": column [" + name + "] is " + t.simpleString() + ", it must be " + expected);
    }

    private static boolean integral(DataType t) {
        return t.equals(DataTypes.LongType)
                || t.equals(DataTypes.IntegerType)
                || t.equals(DataTypes.ShortType)
                || t.equals(DataTypes.ByteType);
    }

    /** Column names with dots ({@code @timestamp} is fine, {@code event.time} is not) are quoted with backticks. */
    static String quote(String name) {
        return "`" + name.replace("`", "``") + "`";
    }
}
