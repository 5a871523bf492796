package io.personalize.model;

import io.personalize.serving.ModelDocument;
import io.personalize.serving.NeighborList;
import io.personalize.serving.PopularList;
import io.personalize.serving.UserProfile;
import io.personalize.training.ScoringParams;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.elasticsearch.xcontent.ConstructingObjectParser;
import org.elasticsearch.xcontent.ObjectParser;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParser;

/**
 * The documents of a model version, which are also the lines of {@code _import} (NDJSON): what a Spark job must
 * produce to bring its own model. Ids are strings; scores and weights finite numbers; parallel arrays have the same
 * length.
 * <pre>
 * {"item": "85123A", "neighbors": ["21733", "84029G"], "scores": [0.41, 0.22], "popularity": 12.5}
 * {"user": "17850", "history": ["85123A"], "history_weights": [3.2],
 *  "items": ["22423"], "scores": [0.83], "because": ["85123A"], "attributes": {"category": {"candles": 0.8}}}
 * {"popular": ["85123A", "22423"], "scores": [12.5, 9.1],
 *  "scoring": {"history_weight_exponent": 0, "history_norm_exponent": 1, "popularity_weight": 0.03}}
 * </pre>
 */
public final class ModelDocuments {

    /** The id of the document of the popular items. */
    public static final String POPULAR_ID = "popular";

    private ModelDocuments() {}

    /**
     * The longest user or item id, in UTF-8 bytes: Elasticsearch's {@code _id} is at most 512 bytes, and a model
     * document's id is the id with a two-byte prefix ({@code u:}, {@code i:}).
     */
    public static final int MAX_ID_BYTES = ModelDocument.MAX_ID_BYTES;

    public static String itemDocId(String item) {
        return "i:" + item;
    }

    public static String userDocId(String user) {
        return "u:" + user;
    }

    /** Writes a model document as its stored JSON (also an {@code _import} line). */
    public static XContentBuilder toXContent(ModelDocument document, XContentBuilder builder) throws IOException {
        return switch (document) {
            case NeighborList item ->
                builder.startObject()
                        .field("item", item.item())
                        .field("neighbors", item.neighbors())
                        .array("scores", item.scores())
                        .field("popularity", item.popularity())
                        .endObject();
            case UserProfile user -> {
                builder.startObject()
                        .field("user", user.user())
                        .field("history", user.history())
                        .array("history_weights", user.historyWeights())
                        .field("items", user.recommended())
                        .array("scores", user.scores());
                if (user.because() != null) {
                    builder.field("because", user.because());
                }
                if (user.attributes().isEmpty() == false) {
                    builder.field("attributes", user.attributes());
                }
                yield builder.endObject();
            }
            case PopularList popular -> {
                ScoringParams scoring = popular.scoring();
                yield builder.startObject()
                        .field("popular", popular.items())
                        .array("scores", popular.scores())
                        .startObject("scoring")
                        .field("history_weight_exponent", scoring.historyWeightExponent())
                        .field("history_norm_exponent", scoring.historyNormExponent())
                        .field("popularity_weight", scoring.popularityWeight())
                        .endObject()
                        .endObject();
            }
        };
    }

    /** One line of a model: the union of the fields of the three kinds, sorted out by {@link #parseLine}. */
    private static final class Line {
        String item, user;
        List<String> neighbors, history, items, because, popular;
        float[] scores, historyWeights;
        Float popularity;
        Map<String, Map<String, Float>> attributes;
        ScoringParams scoring;
    }

    private static final ConstructingObjectParser<ScoringParams, Void> SCORING = new ConstructingObjectParser<>(
            "scoring",
            false,
            a -> scoring(
                    a[0] == null ? ScoringParams.DEFAULTS.historyWeightExponent() : (Double) a[0],
                    a[1] == null ? ScoringParams.DEFAULTS.historyNormExponent() : (Double) a[1],
                    a[2] == null ? ScoringParams.DEFAULTS.popularityWeight() : (Double) a[2]));

    static {
        SCORING.declareDouble(
                ConstructingObjectParser.optionalConstructorArg(), new ParseField("history_weight_exponent"));
        SCORING.declareDouble(
                ConstructingObjectParser.optionalConstructorArg(), new ParseField("history_norm_exponent"));
        SCORING.declareDouble(ConstructingObjectParser.optionalConstructorArg(), new ParseField("popularity_weight"));
    }

    private static ScoringParams scoring(double p, double q, double beta) {
        if (Double.isFinite(p) == false
                || p < 0
                || Double.isFinite(q) == false
                || q < 0
                || Double.isFinite(beta) == false
                || beta < 0) {
            throw new IllegalArgumentException("[scoring] values must be finite non-negative numbers");
        }
        return new ScoringParams(p, q, beta);
    }

    private static final ObjectParser<Line, Void> LINE = new ObjectParser<>("model_line", false, Line::new);

    static {
        LINE.declareString((l, v) -> l.item = v, new ParseField("item"));
        LINE.declareString((l, v) -> l.user = v, new ParseField("user"));
        LINE.declareStringArray((l, v) -> l.neighbors = v, new ParseField("neighbors"));
        LINE.declareStringArray((l, v) -> l.history = v, new ParseField("history"));
        LINE.declareStringArray((l, v) -> l.items = v, new ParseField("items"));
        // an item recommended for its popularity alone has no history item behind it: null
        LINE.declareFieldArray(
                (l, v) -> l.because = v,
                (p, c) -> p.currentToken() == XContentParser.Token.VALUE_NULL ? null : p.text(),
                new ParseField("because"),
                ObjectParser.ValueType.VALUE_ARRAY);
        LINE.declareStringArray((l, v) -> l.popular = v, new ParseField("popular"));
        LINE.declareFloatArray((l, v) -> l.scores = floats(v), new ParseField("scores"));
        LINE.declareFloatArray((l, v) -> l.historyWeights = floats(v), new ParseField("history_weights"));
        LINE.declareFloat((l, v) -> l.popularity = v, new ParseField("popularity"));
        LINE.declareObject((l, v) -> l.attributes = v, (p, c) -> parseAttributes(p), new ParseField("attributes"));
        LINE.declareObject((l, v) -> l.scoring = v, SCORING, new ParseField("scoring"));
    }

    /** Parses one model line (an import line, or a stored document) into a {@link ModelDocument}. */
    public static ModelDocument parseLine(XContentParser parser) throws IOException {
        Line l = LINE.parse(parser, null);
        int kinds = (l.item != null ? 1 : 0) + (l.user != null ? 1 : 0) + (l.popular != null ? 1 : 0);
        if (kinds != 1) {
            throw new IllegalArgumentException(
                    "a model line has exactly one of the fields [item], [user] or [popular]");
        }
        if (l.item != null) {
            onlyFor(
                    "an [item] line",
                    l.history,
                    "history",
                    l.items,
                    "items",
                    l.because,
                    "because",
                    l.historyWeights,
                    "history_weights",
                    l.attributes,
                    "attributes");
            onlyFor("an [item] line", l.scoring, "scoring");
            return new NeighborList(l.item, l.neighbors, l.scores, l.popularity == null ? 0f : l.popularity);
        }
        if (l.user != null) {
            onlyFor("a [user] line", l.neighbors, "neighbors", l.popularity, "popularity", l.scoring, "scoring");
            return new UserProfile(l.user, l.history, l.historyWeights, l.items, l.scores, l.because, l.attributes);
        }
        onlyFor(
                "a [popular] line",
                l.neighbors,
                "neighbors",
                l.history,
                "history",
                l.items,
                "items",
                l.popularity,
                "popularity",
                l.attributes,
                "attributes");
        return new PopularList(l.popular, l.scores, l.scoring);
    }

    private static void onlyFor(String what, Object... valuesAndNames) {
        for (int i = 0; i < valuesAndNames.length; i += 2) {
            if (valuesAndNames[i] != null) {
                throw new IllegalArgumentException("[" + valuesAndNames[i + 1] + "] does not belong in " + what);
            }
        }
    }

    private static Map<String, Map<String, Float>> parseAttributes(XContentParser parser) throws IOException {
        Map<String, Map<String, Float>> attributes = new LinkedHashMap<>();
        // ordered: a user's values are stored strongest first, as a training writes them
        for (Map.Entry<String, Object> field : parser.mapOrdered().entrySet()) {
            if (field.getValue() instanceof Map<?, ?> values) {
                Map<String, Float> weights = new LinkedHashMap<>();
                for (Map.Entry<?, ?> value : values.entrySet()) {
                    if (value.getValue() instanceof Number n && Float.isFinite(n.floatValue())) {
                        weights.put(String.valueOf(value.getKey()), n.floatValue());
                    } else {
                        throw new IllegalArgumentException("[attributes." + field.getKey() + "." + value.getKey()
                                + "] must be a finite number, got [" + value.getValue() + "]");
                    }
                }
                attributes.put(field.getKey(), weights);
            } else {
                throw new IllegalArgumentException(
                        "[attributes." + field.getKey() + "] must be an object of value to weight");
            }
        }
        return attributes;
    }

    private static float[] floats(List<Float> list) {
        float[] array = new float[list.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = list.get(i);
        }
        return array;
    }
}
