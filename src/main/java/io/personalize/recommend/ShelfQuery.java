package io.personalize.recommend;

import static org.elasticsearch.action.ValidateActions.addValidationError;

import io.personalize.model.ModelConfig;
import io.personalize.profile.Limits;
import java.io.IOException;
import java.util.List;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.index.query.AbstractQueryBuilder;
import org.elasticsearch.index.query.QueryBuilder;
import org.elasticsearch.search.fetch.subphase.FetchSourceContext;
import org.elasticsearch.xcontent.ObjectParser;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.xcontent.XContentParser;

/**
 * What a shelf asks for: the model, the shopper and/or items, the size, the filter and the shaping options. The body of
 * {@code _recommend}, parsed once; the action carries it to the node that serves it, where {@link Recommender} reads it.
 */
public final class ShelfQuery implements Writeable {

    public static final int DEFAULT_SIZE = 10;
    public static final int DEFAULT_RECENT_ITEMS = 20;
    /**
     * The weight of the content term of a "for you" shelf (new products close to the shopper's newest items), below the
     * collaborative signals (their best is 1). 0.5, with {@link #DEFAULT_CONTENT_SLOTS} and {@link
     * #DEFAULT_CONTENT_SUPPORT}: chosen on a validation split of Online Retail (train before 2011-10-01, judged on
     * October) among the capped rows (the term stays below the collaborative signals; uncapped, 0.7 brought 11 hits at
     * NDCG@10 .10347, above new products' place): 15 new-product slots, 4 hits, NDCG@10 .10341 against .10333 without
     * (hashing vectors), see {@code bin/bench recommend-quality}.
     */
    public static final float DEFAULT_CONTENT_WEIGHT = 0.5f;
    /**
     * {@link #DEFAULT_CONTENT_WEIGHT} where the catalogue dates its products ({@code catalog.created_field}): the term
     * then goes only to products created after the version's events, not to old products no known shopper bought, and
     * on the same validation split weight 1 (2 slots, support 2) gave 296 new-product slots, 26 hits, NDCG@10 .10362
     * against .10357 at 0.5 and .10333 without the term (hashing vectors, {@code bin/bench recommend-quality}).
     */
    public static final float DEFAULT_DATED_CONTENT_WEIGHT = 1f;
    /**
     * The weight of the content neighbours of an item asked about that the model has no neighbours for (a new product):
     * 0.1, the popular items' scale, so that the closest in content and the most popular interleave. Chosen on the same
     * validation split.
     */
    public static final float DEFAULT_SIMILAR_CONTENT_WEIGHT = 0.1f;

    /**
     * How many of a "for you" shelf's last slots new products may take through the content term: they go at most right
     * below the shelf's ({@code size - content_slots})-th item, so they can displace only the last ones (placed higher,
     * they pushed better items down). 2: chosen with {@link #DEFAULT_CONTENT_WEIGHT} on the validation split (the most
     * new-product hits at NDCG@10 not lower, ties to fewer slots: 3 slots gave 12 slots, 4 hits, .10352), see {@code
     * bin/bench recommend-quality}.
     */
    public static final int DEFAULT_CONTENT_SLOTS = 2;

    /**
     * How many nearest items each of the shopper's newest items lends its cosine to in the "for you" content term
     * (summed over their items). 10: chosen with {@link #DEFAULT_CONTENT_DIRECTIONS} on a validation split of Online
     * Retail among 5, 10, 20 and 50 ({@code bin/bench content}).
     */
    public static final int DEFAULT_CONTENT_NEIGHBORS = 10;

    public static final int MAX_CONTENT_NEIGHBORS = 100;

    /**
     * How many of the catalogue's strongest principal directions the "for you" content term removes from the vectors
     * before comparing them ({@link io.personalize.serving.ContentSpace}). 16: chosen on the validation split among
     * 0, 1, 4 and 16 ({@code bin/bench content}).
     */
    public static final int DEFAULT_CONTENT_DIRECTIONS = 16;

    public static final int MAX_CONTENT_DIRECTIONS = 64;

    /**
     * How many of the shopper's newest items (at most {@code recent_items} of them are read) lend their neighbours to
     * the "for you" content term. 10: the term's first setting; more of a shopper's items carry more of the content-only
     * quality the rule was chosen for ({@code bin/bench content}: .0455 from 10 items), at one knn search per item the
     * node has no list for.
     */
    public static final int DEFAULT_CONTENT_SOURCES = 10;

    public static final int MAX_CONTENT_SOURCES = 100;

    /**
     * How many of the shopper's items (of {@code content_sources}) must have a new product among their content
     * neighbours for it to come to a "for you" shelf. 2: chosen on the validation split ({@code bin/bench
     * recommend-quality}, "rules replayed": support 1 brought 68 hits in 1,401 slots at NDCG@10 x0.977, support 2 23 in
     * 250 at x1.0035): a new product near one of the shopper's items is mostly not what they buy next.
     */
    public static final int DEFAULT_CONTENT_SUPPORT = 2;

    private final String model;
    private final String userId;
    private final List<String> itemIds;
    private final int size;
    private final QueryBuilder filter;
    private final boolean excludeSeen;
    private final List<String> exclude;
    private final float diversity;
    private final boolean explain;
    private final FetchSourceContext source;
    private final int recentItems;
    private final float contentWeight;
    private final float similarContentWeight;
    private final int contentSlots;
    private final int contentNeighbors;
    private final int contentDirections;
    private final int contentSources;
    private final int contentSupport;

    private ShelfQuery(Builder body) {
        this.model = body.model;
        this.userId = body.userId;
        this.itemIds = body.itemIds == null ? List.of() : List.copyOf(body.itemIds);
        this.size = body.size;
        this.filter = body.filter;
        this.excludeSeen = body.excludeSeen;
        this.exclude = body.exclude == null ? List.of() : List.copyOf(body.exclude);
        this.diversity = body.diversity;
        this.explain = body.explain;
        this.source = body.source;
        this.recentItems = body.recentItems;
        this.contentWeight = body.contentWeight;
        this.similarContentWeight = body.similarContentWeight;
        this.contentSlots = body.contentSlots;
        this.contentNeighbors = body.contentNeighbors;
        this.contentDirections = body.contentDirections;
        this.contentSources = body.contentSources;
        this.contentSupport = body.contentSupport;
    }

    public ShelfQuery(StreamInput in) throws IOException {
        this.model = in.readString();
        this.userId = in.readOptionalString();
        this.itemIds = in.readStringCollectionAsImmutableList();
        this.size = in.readVInt();
        this.filter = in.readOptionalNamedWriteable(QueryBuilder.class);
        this.excludeSeen = in.readBoolean();
        this.exclude = in.readStringCollectionAsImmutableList();
        this.diversity = in.readFloat();
        this.explain = in.readBoolean();
        this.source = in.readOptionalWriteable(FetchSourceContext::readFrom);
        this.recentItems = in.readVInt();
        this.contentWeight = in.readFloat();
        this.similarContentWeight = in.readFloat();
        this.contentSlots = in.readVInt();
        this.contentNeighbors = in.readVInt();
        this.contentDirections = in.readVInt();
        this.contentSources = in.readVInt();
        this.contentSupport = in.readVInt();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(model);
        out.writeOptionalString(userId);
        out.writeStringCollection(itemIds);
        out.writeVInt(size);
        out.writeOptionalNamedWriteable(filter);
        out.writeBoolean(excludeSeen);
        out.writeStringCollection(exclude);
        out.writeFloat(diversity);
        out.writeBoolean(explain);
        out.writeOptionalWriteable(source);
        out.writeVInt(recentItems);
        out.writeFloat(contentWeight);
        out.writeFloat(similarContentWeight);
        out.writeVInt(contentSlots);
        out.writeVInt(contentNeighbors);
        out.writeVInt(contentDirections);
        out.writeVInt(contentSources);
        out.writeVInt(contentSupport);
    }

    /** Adds this query's errors to {@code e}. */
    public ActionRequestValidationException validate(ActionRequestValidationException e) {
        if (model == null) {
            e = addValidationError("[model] is required", e);
        } else {
            try {
                ModelConfig.validateName(model);
            } catch (IllegalArgumentException bad) {
                e = addValidationError(bad.getMessage(), e);
            }
        }
        if (userId == null && itemIds.isEmpty()) {
            e = addValidationError("give a [user_id], [item_ids], or both", e);
        }
        if (userId != null && (userId.isEmpty() || userId.length() > 512)) {
            e = addValidationError("[user_id] must be 1 to 512 characters", e);
        }
        // upper bounds are cluster settings, checked by the action (see Limits)
        if (size < 1) {
            e = addValidationError("[size] must be at least 1, got [" + size + "]", e);
        }
        for (String id : itemIds) {
            if (id == null || id.isEmpty() || id.length() > 512) {
                e = addValidationError("[item_ids] must be ids of 1 to 512 characters", e);
                break;
            }
        }
        for (String id : exclude) {
            if (id == null || id.length() > 512) {
                e = addValidationError("[exclude] must be ids of at most 512 characters", e);
                break;
            }
        }
        if ((diversity >= 0 && diversity <= 1) == false) {
            e = addValidationError("[diversity] must be between 0 and 1, got [" + diversity + "]", e);
        }
        if (Float.isNaN(contentWeight) == false && (contentWeight >= 0 && contentWeight <= 1) == false) {
            e = addValidationError("[content_weight] must be between 0 and 1, got [" + contentWeight + "]", e);
        }
        if ((similarContentWeight >= 0 && similarContentWeight <= 1) == false) {
            e = addValidationError(
                    "[similar_content_weight] must be between 0 and 1, got [" + similarContentWeight + "]", e);
        }
        if (contentSlots < 1) {
            e = addValidationError("[content_slots] must be at least 1, got [" + contentSlots + "]", e);
        }
        if (contentNeighbors < 1 || contentNeighbors > MAX_CONTENT_NEIGHBORS) {
            e = addValidationError(
                    "[content_neighbors] must be between 1 and " + MAX_CONTENT_NEIGHBORS + ", got [" + contentNeighbors
                            + "]",
                    e);
        }
        if (contentDirections < 0 || contentDirections > MAX_CONTENT_DIRECTIONS) {
            e = addValidationError(
                    "[content_directions] must be between 0 and " + MAX_CONTENT_DIRECTIONS + ", got ["
                            + contentDirections + "]",
                    e);
        }
        if (contentSources < 1 || contentSources > MAX_CONTENT_SOURCES) {
            e = addValidationError(
                    "[content_sources] must be between 1 and " + MAX_CONTENT_SOURCES + ", got [" + contentSources + "]",
                    e);
        }
        if (contentSupport < 1 || contentSupport > MAX_CONTENT_SOURCES) {
            e = addValidationError(
                    "[content_support] must be between 1 and " + MAX_CONTENT_SOURCES + ", got [" + contentSupport + "]",
                    e);
        }
        if (recentItems < 0) {
            e = addValidationError("[recent_items] must be at least 0, got [" + recentItems + "]", e);
        }
        return e;
    }

    public String model() {
        return model;
    }

    public String userId() {
        return userId;
    }

    public List<String> itemIds() {
        return itemIds;
    }

    public int size() {
        return size;
    }

    public QueryBuilder filter() {
        return filter;
    }

    public boolean excludeSeen() {
        return excludeSeen;
    }

    public List<String> exclude() {
        return exclude;
    }

    public float diversity() {
        return diversity;
    }

    public boolean explain() {
        return explain;
    }

    public FetchSourceContext source() {
        return source;
    }

    public int recentItems() {
        return recentItems;
    }

    /**
     * {@code content_weight} as given, else its default for the model's catalogue: {@link
     * #DEFAULT_DATED_CONTENT_WEIGHT} when it dates its products, {@link #DEFAULT_CONTENT_WEIGHT} when it does not.
     */
    public float contentWeight(boolean datedCatalog) {
        if (Float.isNaN(contentWeight) == false) {
            return contentWeight;
        }
        return datedCatalog ? DEFAULT_DATED_CONTENT_WEIGHT : DEFAULT_CONTENT_WEIGHT;
    }

    public float similarContentWeight() {
        return similarContentWeight;
    }

    public int contentSlots() {
        return contentSlots;
    }

    public int contentNeighbors() {
        return contentNeighbors;
    }

    public int contentDirections() {
        return contentDirections;
    }

    public int contentSources() {
        return contentSources;
    }

    public int contentSupport() {
        return contentSupport;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ShelfQuery other
                && model.equals(other.model)
                && java.util.Objects.equals(userId, other.userId)
                && itemIds.equals(other.itemIds)
                && size == other.size
                && java.util.Objects.equals(filter, other.filter)
                && excludeSeen == other.excludeSeen
                && exclude.equals(other.exclude)
                && diversity == other.diversity
                && explain == other.explain
                && java.util.Objects.equals(source, other.source)
                && recentItems == other.recentItems
                && Float.compare(contentWeight, other.contentWeight) == 0
                && similarContentWeight == other.similarContentWeight
                && contentSlots == other.contentSlots
                && contentNeighbors == other.contentNeighbors
                && contentDirections == other.contentDirections
                && contentSources == other.contentSources
                && contentSupport == other.contentSupport;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(
                model,
                userId,
                itemIds,
                size,
                filter,
                excludeSeen,
                exclude,
                diversity,
                explain,
                source,
                recentItems,
                contentWeight,
                similarContentWeight,
                contentSlots,
                contentNeighbors,
                contentDirections,
                contentSources,
                contentSupport);
    }

    /** Checks the request against the node's current limits. */
    public void checkLimits(Limits limits) {
        limits.checkSize(size);
        limits.checkItemIds(itemIds.size());
        limits.checkExclude(exclude.size());
        limits.checkRecentItems(recentItems);
    }

    /** The query as it is put together (by the REST layer's parser or a Java caller). */
    public static final class Builder {
        String model;
        String userId;
        List<String> itemIds = List.of();
        int size = DEFAULT_SIZE;
        QueryBuilder filter;
        boolean excludeSeen = true;
        List<String> exclude = List.of();
        float diversity = 0f;
        boolean explain = false;
        FetchSourceContext source;
        int recentItems = DEFAULT_RECENT_ITEMS;
        float contentWeight = Float.NaN; // not given: its default depends on the model's catalogue
        float similarContentWeight = DEFAULT_SIMILAR_CONTENT_WEIGHT;
        int contentSlots = DEFAULT_CONTENT_SLOTS;
        int contentNeighbors = DEFAULT_CONTENT_NEIGHBORS;
        int contentDirections = DEFAULT_CONTENT_DIRECTIONS;
        int contentSources = DEFAULT_CONTENT_SOURCES;
        int contentSupport = DEFAULT_CONTENT_SUPPORT;

        public Builder model(String value) {
            model = value;
            return this;
        }

        public Builder userId(String value) {
            userId = value;
            return this;
        }

        public Builder itemIds(List<String> value) {
            itemIds = value;
            return this;
        }

        public Builder size(int value) {
            size = value;
            return this;
        }

        public Builder filter(QueryBuilder value) {
            filter = value;
            return this;
        }

        public Builder excludeSeen(boolean value) {
            excludeSeen = value;
            return this;
        }

        public Builder exclude(List<String> value) {
            exclude = value;
            return this;
        }

        public Builder diversity(float value) {
            diversity = value;
            return this;
        }

        public Builder explain(boolean value) {
            explain = value;
            return this;
        }

        public Builder source(FetchSourceContext value) {
            source = value;
            return this;
        }

        public Builder recentItems(int value) {
            recentItems = value;
            return this;
        }

        public Builder contentWeight(float value) {
            if (Float.isNaN(value)) {
                throw new IllegalArgumentException("[content_weight] must be between 0 and 1, got [NaN]");
            }
            contentWeight = value;
            return this;
        }

        public Builder similarContentWeight(float value) {
            similarContentWeight = value;
            return this;
        }

        public Builder contentSlots(int value) {
            contentSlots = value;
            return this;
        }

        public Builder contentNeighbors(int value) {
            contentNeighbors = value;
            return this;
        }

        public Builder contentDirections(int value) {
            contentDirections = value;
            return this;
        }

        public Builder contentSources(int value) {
            contentSources = value;
            return this;
        }

        public Builder contentSupport(int value) {
            contentSupport = value;
            return this;
        }

        private static final ObjectParser<Builder, Void> PARSER = new ObjectParser<>("recommend", false, Builder::new);

        static {
            PARSER.declareString(Builder::model, new ParseField("model"));
            PARSER.declareString(Builder::userId, new ParseField("user_id"));
            PARSER.declareStringArray(Builder::itemIds, new ParseField("item_ids"));
            PARSER.declareInt(Builder::size, new ParseField("size"));
            PARSER.declareObject(
                    Builder::filter, (p, c) -> AbstractQueryBuilder.parseTopLevelQuery(p), new ParseField("filter"));
            PARSER.declareBoolean(Builder::excludeSeen, new ParseField("exclude_seen"));
            PARSER.declareStringArray(Builder::exclude, new ParseField("exclude"));
            PARSER.declareFloat(Builder::diversity, new ParseField("diversity"));
            PARSER.declareBoolean(Builder::explain, new ParseField("explain"));
            PARSER.declareField(
                    Builder::source,
                    (p, c) -> FetchSourceContext.fromXContent(p),
                    new ParseField("_source"),
                    ObjectParser.ValueType.OBJECT_ARRAY_BOOLEAN_OR_STRING);
            PARSER.declareInt(Builder::recentItems, new ParseField("recent_items"));
            PARSER.declareFloat(Builder::contentWeight, new ParseField("content_weight"));
            PARSER.declareFloat(Builder::similarContentWeight, new ParseField("similar_content_weight"));
            PARSER.declareInt(Builder::contentSlots, new ParseField("content_slots"));
            PARSER.declareInt(Builder::contentNeighbors, new ParseField("content_neighbors"));
            PARSER.declareInt(Builder::contentDirections, new ParseField("content_directions"));
            PARSER.declareInt(Builder::contentSources, new ParseField("content_sources"));
            PARSER.declareInt(Builder::contentSupport, new ParseField("content_support"));
        }

        public static Builder parse(XContentParser parser) {
            return PARSER.apply(parser, null);
        }

        public String modelName() {
            return model;
        }

        public ShelfQuery build() {
            return new ShelfQuery(this);
        }
    }
}
