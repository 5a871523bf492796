package io.personalize.model;

import static org.elasticsearch.xcontent.ConstructingObjectParser.constructorArg;
import static org.elasticsearch.xcontent.ConstructingObjectParser.optionalConstructorArg;

import io.personalize.training.TuningSpec;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.xcontent.ConstructingObjectParser;
import org.elasticsearch.xcontent.ObjectParser;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParser;

/**
 * What a recommendation model is trained from and how: the body of {@code PUT _recommend/models/{name}}.
 * <pre>
 * { "catalog":    { "index": "products", "id_field": "sku", "attributes": ["category", "brand"], "vector_field": "content_vector" },
 *   "events":     { "index": "events", "user_field": "user_id", "item_field": "sku", "type_field": "type",
 *                   "time_field": "@timestamp", "weights": {"view": 1, "cart": 3, "purchase": 5}, "half_life": "30d" },
 *   "similarity": { "algorithm": "cosine", "neighbors": 100 },
 *   "training":   { "max_history": 500, "user_items": 100 },
 *   "tuning":     { "budget": "10m" } }
 * </pre>
 * {@code tuning} (optional, see {@link TuningSection}): the model tunes on every {@code _train} with these options, as
 * {@code "tune": {...}} on the request asks for one training (a request's {@code tune} takes precedence).
 * It crosses the wire field by field ({@link Writeable}): a node reads the values the sender validated, without
 * re-parsing JSON on every hop. Every part is read through its validating constructor, so a value that arrives is as
 * checked as one parsed from a REST body.
 */
public record ModelConfig(Catalog catalog, Events events, Similarity similarity, Training training, TuningSpec tuning)
        implements ToXContentObject, Writeable {

    /** Without a standing tuning section. */
    public ModelConfig(Catalog catalog, Events events, Similarity similarity, Training training) {
        this(catalog, events, similarity, training, null);
    }

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,99}");

    /** Model names become part of index names: lower case letters, digits, '_' and '-', not starting with '_' or '-'. */
    public static String validateName(String name) {
        if (name == null || NAME.matcher(name).matches() == false) {
            throw new IllegalArgumentException("invalid model name [" + name
                    + "]: use 1 to 100 lower case letters, digits, '_' or '-', starting with a letter or digit");
        }
        return name;
    }

    /**
     * Where the products are: their id, the attributes users have affinities to, their content vectors, and (optional)
     * the date field that says when a product was created: with it, a "for you" shelf's content term goes only to
     * products created after the events of the version that serves (products the shop could not have had events for),
     * not to every product the model does not know (old products no known shopper bought are not new).
     */
    public record Catalog(
            String index, String idField, List<String> attributes, String vectorField, String createdField)
            implements ToXContentObject, Writeable {
        static final ConstructingObjectParser<Catalog, Void> PARSER = new ConstructingObjectParser<>(
                "catalog",
                false,
                a -> new Catalog((String) a[0], (String) a[1], strings(a[2]), (String) a[3], (String) a[4]));

        static {
            PARSER.declareString(constructorArg(), new ParseField("index"));
            PARSER.declareString(optionalConstructorArg(), new ParseField("id_field"));
            PARSER.declareStringArray(optionalConstructorArg(), new ParseField("attributes"));
            PARSER.declareString(optionalConstructorArg(), new ParseField("vector_field"));
            PARSER.declareString(optionalConstructorArg(), new ParseField("created_field"));
        }

        public Catalog {
            requireText(index, "catalog.index");
            idField = idField == null ? "_id" : requireText(idField, "catalog.id_field");
            attributes = List.copyOf(attributes);
            for (String attribute : attributes) {
                requireText(attribute, "catalog.attributes");
            }
            if (createdField != null) {
                requireText(createdField, "catalog.created_field");
            }
        }

        /** A catalogue without a created field. */
        public Catalog(String index, String idField, List<String> attributes, String vectorField) {
            this(index, idField, attributes, vectorField, null);
        }

        public Catalog(StreamInput in) throws IOException {
            this(
                    in.readString(),
                    in.readString(),
                    in.readStringCollectionAsImmutableList(),
                    in.readOptionalString(),
                    in.readOptionalString());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(index);
            out.writeString(idField);
            out.writeStringCollection(attributes);
            out.writeOptionalString(vectorField);
            out.writeOptionalString(createdField);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject()
                    .field("index", index)
                    .field("id_field", idField)
                    .field("attributes", attributes);
            if (vectorField != null) {
                builder.field("vector_field", vectorField);
            }
            if (createdField != null) {
                builder.field("created_field", createdField);
            }
            return builder.endObject();
        }
    }

    /** Where the interaction events are and how much each kind of event counts. */
    public record Events(
            String index,
            String userField,
            String itemField,
            String typeField,
            String timeField,
            Map<String, Double> weights,
            TimeValue halfLife,
            String valueField,
            RecentEvents recentEvents)
            implements ToXContentObject, Writeable {

        /**
         * Where serving reads a shopper's newest events from: a search of the events index on every request (counts
         * what the index shows once refreshed, whoever wrote it), or the plugin's per-user document that
         * {@code POST _recommend/models/{m}/_events} keeps (one realtime GET beside the profile's; counts an event sent
         * through the API at the very next request; events written straight to the index count from the next training).
         */
        public enum RecentEvents {
            INDEX,
            API;

            static RecentEvents parse(String value) {
                for (RecentEvents source : values()) {
                    if (source.name().equalsIgnoreCase(value)) {
                        return source;
                    }
                }
                throw new IllegalArgumentException(
                        "[events.recent_events] must be [index] or [api], got [" + value + "]");
            }
        }

        /** Events whose newest ones are read from the events index ({@link RecentEvents#INDEX}). */
        public Events(
                String index,
                String userField,
                String itemField,
                String typeField,
                String timeField,
                Map<String, Double> weights,
                TimeValue halfLife,
                String valueField) {
            this(index, userField, itemField, typeField, timeField, weights, halfLife, valueField, null);
        }

        public static final Map<String, Double> DEFAULT_WEIGHTS = Map.of("view", 1.0, "cart", 3.0, "purchase", 5.0);
        /** Chosen on the Online Retail validation split (see the README's quality section). */
        public static final TimeValue DEFAULT_HALF_LIFE = TimeValue.timeValueDays(21);

        @SuppressWarnings("unchecked")
        static final ConstructingObjectParser<Events, Void> PARSER = new ConstructingObjectParser<>(
                "events",
                false,
                a -> new Events(
                        (String) a[0],
                        (String) a[1],
                        (String) a[2],
                        (String) a[3],
                        (String) a[4],
                        (Map<String, Double>) a[5],
                        (TimeValue) a[6],
                        (String) a[7],
                        a[8] == null ? null : RecentEvents.parse((String) a[8])));

        static {
            PARSER.declareString(constructorArg(), new ParseField("index"));
            PARSER.declareString(optionalConstructorArg(), new ParseField("user_field"));
            PARSER.declareString(optionalConstructorArg(), new ParseField("item_field"));
            PARSER.declareString(optionalConstructorArg(), new ParseField("type_field"));
            PARSER.declareString(optionalConstructorArg(), new ParseField("time_field"));
            PARSER.declareObject(optionalConstructorArg(), (p, c) -> parseWeights(p), new ParseField("weights"));
            PARSER.declareField(
                    optionalConstructorArg(),
                    (p, c) -> p.currentToken() == XContentParser.Token.VALUE_NULL
                            ? TimeValue.MINUS_ONE
                            : TimeValue.parseTimeValue(p.text(), "events.half_life"),
                    new ParseField("half_life"),
                    ObjectParser.ValueType.STRING_OR_NULL);
            PARSER.declareString(optionalConstructorArg(), new ParseField("value_field"));
            PARSER.declareString(optionalConstructorArg(), new ParseField("recent_events"));
        }

        public Events {
            requireText(index, "events.index");
            userField = userField == null ? "user_id" : requireText(userField, "events.user_field");
            itemField = itemField == null ? "item_id" : requireText(itemField, "events.item_field");
            typeField = typeField == null ? "type" : requireText(typeField, "events.type_field");
            timeField = timeField == null ? "@timestamp" : requireText(timeField, "events.time_field");
            weights = weights == null ? DEFAULT_WEIGHTS : Map.copyOf(weights);
            recentEvents = recentEvents == null ? RecentEvents.INDEX : recentEvents;
            if (weights.isEmpty()) {
                throw new IllegalArgumentException("[events.weights] must give the weight of at least one event type");
            }
            // absent: the default; null (or -1): no time decay, every event counts its full weight whatever its age
            halfLife = halfLife == null ? DEFAULT_HALF_LIFE : halfLife.duration() < 0 ? null : halfLife;
            if (halfLife != null && halfLife.millis() <= 0) {
                throw new IllegalArgumentException("[events.half_life] must be positive, got [" + halfLife + "]");
            }
        }

        public Events(StreamInput in) throws IOException {
            this(
                    in.readString(),
                    in.readString(),
                    in.readString(),
                    in.readString(),
                    in.readString(),
                    in.readImmutableMap(StreamInput::readDouble),
                    // null on the wire is "no time decay", which the constructor takes as -1 (null there means the
                    // default)
                    Objects.requireNonNullElse(in.readOptionalTimeValue(), TimeValue.MINUS_ONE),
                    in.readOptionalString(),
                    in.readEnum(RecentEvents.class));
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(index);
            out.writeString(userField);
            out.writeString(itemField);
            out.writeString(typeField);
            out.writeString(timeField);
            out.writeMap(weights, StreamOutput::writeDouble);
            out.writeOptionalTimeValue(halfLife);
            out.writeOptionalString(valueField);
            out.writeEnum(recentEvents);
        }

        private static Map<String, Double> parseWeights(XContentParser parser) throws IOException {
            Map<String, Double> weights = new LinkedHashMap<>();
            for (Map.Entry<String, Object> entry : parser.map().entrySet()) {
                if (entry.getValue() instanceof Number number
                        && Double.isFinite(number.doubleValue())
                        && number.doubleValue() > 0) {
                    weights.put(entry.getKey(), number.doubleValue());
                } else {
                    throw new IllegalArgumentException("[events.weights] the weight of [" + entry.getKey()
                            + "] must be a positive number, got [" + entry.getValue() + "]");
                }
            }
            return weights;
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject()
                    .field("index", index)
                    .field("user_field", userField)
                    .field("item_field", itemField)
                    .field("type_field", typeField)
                    .field("time_field", timeField)
                    .field("weights", new java.util.TreeMap<>(weights));
            builder.field("half_life", halfLife == null ? null : halfLife.getStringRep());
            if (valueField != null) {
                builder.field("value_field", valueField);
            }
            if (recentEvents != RecentEvents.INDEX) {
                builder.field("recent_events", recentEvents.name().toLowerCase(Locale.ROOT));
            }
            return builder.endObject();
        }
    }

    /**
     * The algorithm and its parameters. Every algorithm gives item neighbours (real-time history, "similar items") and
     * every user's list: {@code cosine}, {@code rp3beta} and {@code ease} through the neighbours' formula, {@code als}
     * and {@code user_knn} by their own ranking. {@code regularization} is EASE's and ALS's L2 weight; {@code factors}
     * and {@code iterations} are ALS's, whose {@code alpha} is the confidence weight of observed entries;
     * {@code user_neighbors} and {@code shrinkage} are user_knn's; {@code variant} ({@code auto}, {@code dense},
     * {@code sparse}) and {@code support} are EASE's (null: automatic by memory, the default support); {@code variant}
     * is also ALS's solver ({@code cg}, the default, or {@code exact}: Spark MLlib's ALS). A parameter the algorithm
     * does not use is refused.
     */
    public record Similarity(
            String algorithm,
            int neighbors,
            Double shrinkage,
            Double alpha,
            Double beta,
            Double regularization,
            Integer factors,
            Integer iterations,
            Integer userNeighbors,
            String variant,
            Integer support)
            implements ToXContentObject, Writeable {

        public static final String COSINE = "cosine";
        public static final String RP3BETA = "rp3beta";
        public static final String EASE = "ease";
        public static final String ALS = "als";
        public static final String USER_KNN = "user_knn";
        public static final List<String> ALGORITHMS = List.of(COSINE, RP3BETA, EASE, ALS, USER_KNN);
        public static final int DEFAULT_NEIGHBORS = 50;
        public static final int MAX_NEIGHBORS = 1000;
        public static final int MAX_FACTORS = 1000;
        public static final int MAX_ITERATIONS = 100;
        /** EASE's variants: chosen by memory (the default), the exact closed form, the per-column regressions. */
        public static final List<String> EASE_VARIANTS = List.of("auto", "dense", "sparse");
        /** ALS's variants: conjugate-gradient steps (the default), or Spark MLlib's exact solves. */
        public static final List<String> ALS_VARIANTS = List.of("cg", "exact");
        /** Sparse EASE regresses each column on at most this many items (a Gram matrix of support² doubles each). */
        public static final int MAX_SUPPORT = 2000;

        public static final ConstructingObjectParser<Similarity, Void> PARSER = new ConstructingObjectParser<>(
                "similarity",
                false,
                a -> new Similarity(
                        (String) a[0],
                        a[1] == null ? DEFAULT_NEIGHBORS : (Integer) a[1],
                        (Double) a[2],
                        (Double) a[3],
                        (Double) a[4],
                        (Double) a[5],
                        (Integer) a[6],
                        (Integer) a[7],
                        (Integer) a[8],
                        (String) a[9],
                        (Integer) a[10]));

        static {
            PARSER.declareString(optionalConstructorArg(), new ParseField("algorithm"));
            PARSER.declareInt(optionalConstructorArg(), new ParseField("neighbors"));
            PARSER.declareDouble(optionalConstructorArg(), new ParseField("shrinkage"));
            PARSER.declareDouble(optionalConstructorArg(), new ParseField("alpha"));
            PARSER.declareDouble(optionalConstructorArg(), new ParseField("beta"));
            PARSER.declareDouble(optionalConstructorArg(), new ParseField("regularization"));
            PARSER.declareInt(optionalConstructorArg(), new ParseField("factors"));
            PARSER.declareInt(optionalConstructorArg(), new ParseField("iterations"));
            PARSER.declareInt(optionalConstructorArg(), new ParseField("user_neighbors"));
            PARSER.declareString(optionalConstructorArg(), new ParseField("variant"));
            PARSER.declareInt(optionalConstructorArg(), new ParseField("support"));
        }

        public static final Similarity DEFAULT = new Similarity(null, DEFAULT_NEIGHBORS, null, null, null);

        /** The neighbourhood algorithms' parameters only. */
        public Similarity(String algorithm, int neighbors, Double shrinkage, Double alpha, Double beta) {
            this(algorithm, neighbors, shrinkage, alpha, beta, null, null, null, null);
        }

        /** Every algorithm's parameters but EASE's variant and support. */
        public Similarity(
                String algorithm,
                int neighbors,
                Double shrinkage,
                Double alpha,
                Double beta,
                Double regularization,
                Integer factors,
                Integer iterations,
                Integer userNeighbors) {
            this(
                    algorithm,
                    neighbors,
                    shrinkage,
                    alpha,
                    beta,
                    regularization,
                    factors,
                    iterations,
                    userNeighbors,
                    null,
                    null);
        }

        public Similarity {
            algorithm = algorithm == null ? COSINE : algorithm.toLowerCase(Locale.ROOT);
            if (ALGORITHMS.contains(algorithm) == false) {
                throw new IllegalArgumentException(
                        "[similarity.algorithm] unknown algorithm [" + algorithm + "], expected one of " + ALGORITHMS);
            }
            if (neighbors < 1 || neighbors > MAX_NEIGHBORS) {
                throw new IllegalArgumentException(
                        "[similarity.neighbors] must be between 1 and " + MAX_NEIGHBORS + ", got [" + neighbors + "]");
            }
            requireNonNegative(shrinkage, "similarity.shrinkage");
            requireNonNegative(alpha, "similarity.alpha");
            requireNonNegative(beta, "similarity.beta");
            if (regularization != null && (Double.isFinite(regularization) == false || regularization <= 0)) {
                throw new IllegalArgumentException(
                        "[similarity.regularization] must be a positive number, got [" + regularization + "]");
            }
            requireBetween(factors, 1, MAX_FACTORS, "similarity.factors");
            requireBetween(iterations, 1, MAX_ITERATIONS, "similarity.iterations");
            requireBetween(userNeighbors, 1, MAX_NEIGHBORS, "similarity.user_neighbors");
            variant = variant == null ? null : variant.toLowerCase(Locale.ROOT);
            List<String> variants = ALS.equals(algorithm) ? ALS_VARIANTS : EASE_VARIANTS;
            if (variant != null && variants.contains(variant) == false) {
                throw new IllegalArgumentException(
                        "[similarity.variant] unknown variant [" + variant + "], expected one of " + variants);
            }
            requireBetween(support, 1, MAX_SUPPORT, "similarity.support");
            onlyFor(regularization, "regularization", algorithm, EASE, ALS);
            onlyFor(factors, "factors", algorithm, ALS);
            onlyFor(iterations, "iterations", algorithm, ALS);
            onlyFor(userNeighbors, "user_neighbors", algorithm, USER_KNN);
            onlyFor(variant, "variant", algorithm, EASE, ALS);
            onlyFor(support, "support", algorithm, EASE);
            if (support != null && "dense".equals(variant)) {
                throw new IllegalArgumentException(
                        "[similarity.support] is a parameter of the sparse variant, not of [dense]");
            }
            // the neighbourhood parameters, for the newer algorithms that do not use them (cosine and rp3beta have
            // always accepted each other's, and stored models may hold them)
            if (List.of(EASE, ALS, USER_KNN).contains(algorithm)) {
                onlyFor(shrinkage, "shrinkage", algorithm, COSINE, USER_KNN);
                onlyFor(alpha, "alpha", algorithm, COSINE, RP3BETA, ALS);
                onlyFor(beta, "beta", algorithm, RP3BETA);
            }
        }

        private static void requireBetween(Integer value, int min, int max, String field) {
            if (value != null && (value < min || value > max)) {
                throw new IllegalArgumentException(
                        "[" + field + "] must be between " + min + " and " + max + ", got [" + value + "]");
            }
        }

        private static void onlyFor(Object value, String field, String algorithm, String... algorithms) {
            if (value != null && List.of(algorithms).contains(algorithm) == false) {
                throw new IllegalArgumentException("[similarity." + field + "] is a parameter of " + List.of(algorithms)
                        + ", not of [" + algorithm + "]");
            }
        }

        public Similarity(StreamInput in) throws IOException {
            this(
                    in.readString(),
                    in.readVInt(),
                    in.readOptionalDouble(),
                    in.readOptionalDouble(),
                    in.readOptionalDouble(),
                    in.readOptionalDouble(),
                    in.readOptionalVInt(),
                    in.readOptionalVInt(),
                    in.readOptionalVInt(),
                    in.readOptionalString(),
                    in.readOptionalVInt());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(algorithm);
            out.writeVInt(neighbors);
            out.writeOptionalDouble(shrinkage);
            out.writeOptionalDouble(alpha);
            out.writeOptionalDouble(beta);
            out.writeOptionalDouble(regularization);
            out.writeOptionalVInt(factors);
            out.writeOptionalVInt(iterations);
            out.writeOptionalVInt(userNeighbors);
            out.writeOptionalString(variant);
            out.writeOptionalVInt(support);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject().field("algorithm", algorithm).field("neighbors", neighbors);
            if (shrinkage != null) {
                builder.field("shrinkage", shrinkage);
            }
            if (alpha != null) {
                builder.field("alpha", alpha);
            }
            if (beta != null) {
                builder.field("beta", beta);
            }
            if (regularization != null) {
                builder.field("regularization", regularization);
            }
            if (factors != null) {
                builder.field("factors", factors);
            }
            if (iterations != null) {
                builder.field("iterations", iterations);
            }
            if (userNeighbors != null) {
                builder.field("user_neighbors", userNeighbors);
            }
            if (variant != null) {
                builder.field("variant", variant);
            }
            if (support != null) {
                builder.field("support", support);
            }
            return builder.endObject();
        }
    }

    /**
     * Bounds on what training keeps per user, how fast popularity forgets, how much recent popularity adds to a
     * user's collaborative-filtering scores, and the power of a user's summed weight for an item that the algorithms
     * take as input (0: binary, as Steck's EASE; null: each the default), and how much an item's number of users
     * discounts its collaborative scores (null: none).
     */
    public record Training(
            int maxHistory,
            int userItems,
            TimeValue popularityHalfLife,
            Double popularityWeight,
            Double valueExponent,
            Double popularityDiscount)
            implements ToXContentObject, Writeable {
        public static final Training DEFAULT = new Training(500, 100, null, null, null, null);

        public static final ConstructingObjectParser<Training, Void> PARSER = new ConstructingObjectParser<>(
                "training",
                false,
                a -> new Training(
                        a[0] == null ? DEFAULT.maxHistory : (Integer) a[0],
                        a[1] == null ? DEFAULT.userItems : (Integer) a[1],
                        a[2] == null ? null : TimeValue.parseTimeValue((String) a[2], "training.popularity_half_life"),
                        (Double) a[3],
                        (Double) a[4],
                        (Double) a[5]));

        static {
            PARSER.declareInt(optionalConstructorArg(), new ParseField("max_history"));
            PARSER.declareInt(optionalConstructorArg(), new ParseField("user_items"));
            PARSER.declareString(optionalConstructorArg(), new ParseField("popularity_half_life"));
            PARSER.declareDouble(optionalConstructorArg(), new ParseField("popularity_weight"));
            PARSER.declareDouble(optionalConstructorArg(), new ParseField("value_exponent"));
            PARSER.declareDouble(optionalConstructorArg(), new ParseField("popularity_discount"));
        }

        /** Without a popularity discount. */
        public Training(
                int maxHistory,
                int userItems,
                TimeValue popularityHalfLife,
                Double popularityWeight,
                Double valueExponent) {
            this(maxHistory, userItems, popularityHalfLife, popularityWeight, valueExponent, null);
        }

        public Training {
            if (maxHistory < 1 || maxHistory > 10_000) {
                throw new IllegalArgumentException(
                        "[training.max_history] must be between 1 and 10000, got [" + maxHistory + "]");
            }
            if (userItems < 1 || userItems > 1_000) {
                throw new IllegalArgumentException(
                        "[training.user_items] must be between 1 and 1000, got [" + userItems + "]");
            }
            if (popularityHalfLife != null && popularityHalfLife.millis() <= 0) {
                throw new IllegalArgumentException(
                        "[training.popularity_half_life] must be positive, got [" + popularityHalfLife + "]");
            }
            requireNonNegative(popularityWeight, "training.popularity_weight");
            if (valueExponent != null && (valueExponent >= 0 && valueExponent <= 1) == false) {
                throw new IllegalArgumentException(
                        "[training.value_exponent] must be between 0 and 1, got [" + valueExponent + "]");
            }
            if (popularityDiscount != null && (popularityDiscount >= 0 && popularityDiscount <= 1) == false) {
                throw new IllegalArgumentException(
                        "[training.popularity_discount] must be between 0 and 1, got [" + popularityDiscount + "]");
            }
        }

        public Training(StreamInput in) throws IOException {
            this(
                    in.readVInt(),
                    in.readVInt(),
                    in.readOptionalTimeValue(),
                    in.readOptionalDouble(),
                    in.readOptionalDouble(),
                    in.readOptionalDouble());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeVInt(maxHistory);
            out.writeVInt(userItems);
            out.writeOptionalTimeValue(popularityHalfLife);
            out.writeOptionalDouble(popularityWeight);
            out.writeOptionalDouble(valueExponent);
            out.writeOptionalDouble(popularityDiscount);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject().field("max_history", maxHistory).field("user_items", userItems);
            if (popularityHalfLife != null) {
                builder.field("popularity_half_life", popularityHalfLife.getStringRep());
            }
            if (popularityWeight != null) {
                builder.field("popularity_weight", popularityWeight);
            }
            if (valueExponent != null) {
                builder.field("value_exponent", valueExponent);
            }
            if (popularityDiscount != null) {
                builder.field("popularity_discount", popularityDiscount);
            }
            return builder.endObject();
        }
    }

    public static final ConstructingObjectParser<ModelConfig, Void> PARSER = new ConstructingObjectParser<>(
            "model",
            false,
            a -> new ModelConfig((Catalog) a[0], (Events) a[1], (Similarity) a[2], (Training) a[3], (TuningSpec) a[4]));

    static {
        PARSER.declareObject(constructorArg(), Catalog.PARSER, new ParseField("catalog"));
        PARSER.declareObject(constructorArg(), Events.PARSER, new ParseField("events"));
        PARSER.declareObject(optionalConstructorArg(), Similarity.PARSER, new ParseField("similarity"));
        PARSER.declareObject(optionalConstructorArg(), Training.PARSER, new ParseField("training"));
        PARSER.declareObject(optionalConstructorArg(), TuningSection.parser("tuning"), new ParseField("tuning"));
    }

    public ModelConfig {
        similarity = similarity == null ? Similarity.DEFAULT : similarity;
        training = training == null ? Training.DEFAULT : training;
    }

    public static ModelConfig parse(XContentParser parser) {
        return PARSER.apply(parser, null);
    }

    public ModelConfig(StreamInput in) throws IOException {
        this(new Catalog(in), new Events(in), new Similarity(in), new Training(in), TuningSection.read(in));
    }

    /** Same as {@link #ModelConfig(StreamInput)}, for method references. */
    public static ModelConfig readFrom(StreamInput in) throws IOException {
        return new ModelConfig(in);
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        catalog.writeTo(out);
        events.writeTo(out);
        similarity.writeTo(out);
        training.writeTo(out);
        TuningSection.write(out, tuning);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject()
                .field("catalog", catalog)
                .field("events", events)
                .field("similarity", similarity)
                .field("training", training);
        if (tuning != null) {
            TuningSection.toXContent(builder.field("tuning"), tuning);
        }
        return builder.endObject();
    }

    private static String requireText(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("[" + field + "] must not be empty");
        }
        return value;
    }

    private static void requireNonNegative(Double value, String field) {
        if (value != null && (Double.isFinite(value) == false || value < 0)) {
            throw new IllegalArgumentException("[" + field + "] must be a non-negative number, got [" + value + "]");
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object value) {
        return value == null ? List.of() : (List<String>) value;
    }
}
