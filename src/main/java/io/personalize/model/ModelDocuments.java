package io.personalize.model;

import org.elasticsearch.xcontent.ConstructingObjectParser;
import org.elasticsearch.xcontent.ObjectParser;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParser;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;


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
    public static final int MAX_ID_BYTES = 510;

    public static String itemDocId(String item) {
        return "i:" + item;
    }

    public static String userDocId(String user) {
        return "u:" + user;
    }

    /** An item's neighbours, best first, with its popularity. */
    public record ItemDoc(String item, List<String> neighbors, float[] scores, float popularity) implements ToXContentObject {
        public ItemDoc {
            requireId(item, "item");
            sameLength(neighbors.size(), scores.length, "item [" + item + "]", "neighbors", "scores");
            requireFinite(scores, "item [" + item + "] scores");
            requireFinite(new float[] { popularity }, "item [" + item + "] popularity");
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            return builder.startObject()
                .field("item", item)
                .field("neighbors", neighbors)
                .array("scores", scores)
                .field("popularity", popularity)
                .endObject();
        }
    }

    /**
     * A user's profile: the history the model knows (items with weights, newest first), the precomputed affinity (the
     * top items the model recommends, with the history item that contributed most) and the affinity to attribute values.
     */
    public record UserDoc(
        String user,
        List<String> history,
        float[] historyWeights,
        List<String> items,
        float[] scores,
        List<String> because,
        Map<String, Map<String, Float>> attributes
    ) implements ToXContentObject {

        public UserDoc {
            requireId(user, "user");
            String what = "user [" + user + "]";
            sameLength(history.size(), historyWeights.length, what, "history", "history_weights");
            sameLength(items.size(), scores.length, what, "items", "scores");
            if (because != null) {
                sameLength(items.size(), because.size(), what, "items", "because");
            }
            requireFinite(historyWeights, what + " history_weights");
            requireFinite(scores, what + " scores");
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject()
                .field("user", user)
                .field("history", history)
                .array("history_weights", historyWeights)
                .field("items", items)
                .array("scores", scores);
            if (because != null) {
                builder.field("because", because);
            }
            if (attributes.isEmpty() == false) {
                builder.field("attributes", attributes);
            }
            return builder.endObject();
        }
    }

    /**
     * How serving combines a user's history with the neighbour lists, as training did (see
     * {@code io.personalize.training.NeighborhoodScorer}): each history item weighs {@code w^p / (sum of w^p)^q}, and
     * popularity adds {@code popularity_weight * pop / max pop}.
     */
    public record Scoring(double historyWeightExponent, double historyNormExponent, double popularityWeight) implements ToXContentObject {
        public static final Scoring DEFAULT = new Scoring(0, 1, 0.03);

        public Scoring {
            if (Double.isFinite(historyWeightExponent) == false || historyWeightExponent < 0
                || Double.isFinite(historyNormExponent) == false || historyNormExponent < 0
                || Double.isFinite(popularityWeight) == false || popularityWeight < 0) {
                throw new IllegalArgumentException("[scoring] values must be finite non-negative numbers");
            }
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            return builder.startObject()
                .field("history_weight_exponent", historyWeightExponent)
                .field("history_norm_exponent", historyNormExponent)
                .field("popularity_weight", popularityWeight)
                .endObject();
        }
    }

    /**
     * The model's popular items, most popular first: the fallback for users and items the model knows nothing of; and
     * the scoring that serving applies.
     */
    public record PopularDoc(List<String> popular, float[] scores, Scoring scoring) implements ToXContentObject {
        public PopularDoc {
            sameLength(popular.size(), scores.length, "popular", "popular", "scores");
            requireFinite(scores, "popular scores");
            scoring = scoring == null ? Scoring.DEFAULT : scoring;
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            return builder.startObject().field("popular", popular).array("scores", scores).field("scoring", scoring).endObject();
        }
    }

    /** One line of a model: the union of the fields of the three kinds, sorted out by {@link #parseLine}. */
    private static final class Line {
        String item, user;
        List<String> neighbors, history, items, because, popular;
        float[] scores, historyWeights;
        Float popularity;
        Map<String, Map<String, Float>> attributes;
        Scoring scoring;
    }

    private static final ConstructingObjectParser<Scoring, Void> SCORING = new ConstructingObjectParser<>(
        "scoring",
        false,
        a -> new Scoring(
            a[0] == null ? Scoring.DEFAULT.historyWeightExponent() : (Double) a[0],
            a[1] == null ? Scoring.DEFAULT.historyNormExponent() : (Double) a[1],
            a[2] == null ? Scoring.DEFAULT.popularityWeight() : (Double) a[2]
        )
    );
    static {
        SCORING.declareDouble(ConstructingObjectParser.optionalConstructorArg(), new ParseField("history_weight_exponent"));
        SCORING.declareDouble(ConstructingObjectParser.optionalConstructorArg(), new ParseField("history_norm_exponent"));
        SCORING.declareDouble(ConstructingObjectParser.optionalConstructorArg(), new ParseField("popularity_weight"));
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
            ObjectParser.ValueType.VALUE_ARRAY
        );
        LINE.declareStringArray((l, v) -> l.popular = v, new ParseField("popular"));
        LINE.declareFloatArray((l, v) -> l.scores = floats(v), new ParseField("scores"));
        LINE.declareFloatArray((l, v) -> l.historyWeights = floats(v), new ParseField("history_weights"));
        LINE.declareFloat((l, v) -> l.popularity = v, new ParseField("popularity"));
        LINE.declareObject((l, v) -> l.attributes = v, (p, c) -> parseAttributes(p), new ParseField("attributes"));
        LINE.declareObject((l, v) -> l.scoring = v, SCORING, new ParseField("scoring"));
    }

    /** Parses one model line (an import line, or a stored document) into an {@link ItemDoc}, {@link UserDoc} or {@link PopularDoc}. */
    public static ToXContentObject parseLine(XContentParser parser) throws IOException {
        Line l = LINE.parse(parser, null);
        int kinds = (l.item != null ? 1 : 0) + (l.user != null ? 1 : 0) + (l.popular != null ? 1 : 0);
        if (kinds != 1) {
            throw new IllegalArgumentException("a model line has exactly one of the fields [item], [user] or [popular]");
        }
        if (l.item != null) {
            onlyFor("an [item] line", l.history, "history", l.items, "items", l.because, "because", l.historyWeights, "history_weights", l.attributes, "attributes");
            onlyFor("an [item] line", l.scoring, "scoring");
            return new ItemDoc(l.item, orEmpty(l.neighbors), orEmpty(l.scores), l.popularity == null ? 0f : l.popularity);
        }
        if (l.user != null) {
            onlyFor("a [user] line", l.neighbors, "neighbors", l.popularity, "popularity", l.scoring, "scoring");
            return new UserDoc(
                l.user,
                orEmpty(l.history),
                orEmpty(l.historyWeights),
                orEmpty(l.items),
                orEmpty(l.scores),
                l.because == null ? null : Collections.unmodifiableList(new ArrayList<>(l.because)),
                l.attributes == null ? Map.of() : l.attributes
            );
        }
        onlyFor("a [popular] line", l.neighbors, "neighbors", l.history, "history", l.items, "items", l.popularity, "popularity", l.attributes, "attributes");
        return new PopularDoc(l.popular, orEmpty(l.scores), l.scoring);
    }

    private static void onlyFor(String what, Object... valuesAndNames) {
        for (int i = 0; i < valuesAndNames.length; i += 2) {
            if (valuesAndNames[i] != null) {
                throw new IllegalArgumentException("[" + valuesAndNames[i + 1] + "] does not belong in " + what);
            }
        }
    }

    private static List<String> orEmpty(List<String> list) {
        return list == null ? List.of() : List.copyOf(list);
    }

    private static float[] orEmpty(float[] array) {
        return array == null ? new float[0] : array;
    }

    private static Map<String, Map<String, Float>> parseAttributes(XContentParser parser) throws IOException {
        Map<String, Map<String, Float>> attributes = new LinkedHashMap<>();
        for (Map.Entry<String, Object> field : parser.map().entrySet()) {
            if (field.getValue() instanceof Map<?, ?> values) {
                Map<String, Float> weights = new LinkedHashMap<>();
                for (Map.Entry<?, ?> value : values.entrySet()) {
                    if (value.getValue() instanceof Number n && Float.isFinite(n.floatValue())) {
                        weights.put(String.valueOf(value.getKey()), n.floatValue());
                    } else {
                        throw new IllegalArgumentException(
                            "[attributes." + field.getKey() + "." + value.getKey() + "] must be a finite number, got [" + value.getValue() + "]"
                        );
                    }
                }
                attributes.put(field.getKey(), weights);
            } else {
                throw new IllegalArgumentException("[attributes." + field.getKey() + "] must be an object of value to weight");
            }
        }
        return attributes;
    }

    private static void requireId(String id, String field) {
        if (id == null || id.isEmpty() || EventRules.tooLong(id)) {
            throw new IllegalArgumentException("[" + field + "] must be a non-empty id of at most " + MAX_ID_BYTES + " bytes");
        }
    }

    private static void sameLength(int a, int b, String what, String fieldA, String fieldB) {
        if (a != b) {
            throw new IllegalArgumentException(what + ": [" + fieldA + "] has " + a + " entries but [" + fieldB + "] has " + b);
        }
    }

    private static void requireFinite(float[] values, String what) {
        for (float v : values) {
            if (Float.isFinite(v) == false) {
                throw new IllegalArgumentException(what + " must be finite numbers, got [" + v + "]");
            }
        }
    }

    private static float[] floats(List<Float> list) {
        float[] array = new float[list.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = list.get(i);
        }
        return array;
    }
}
