package io.personalize.action;

import static org.elasticsearch.action.ValidateActions.addValidationError;

import io.personalize.Limits;
import io.personalize.model.ModelConfig;
import io.personalize.recommend.Reason;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.IndicesRequest;
import org.elasticsearch.action.UntypedActionRequest;
import org.elasticsearch.action.support.IndicesOptions;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.index.query.AbstractQueryBuilder;
import org.elasticsearch.index.query.QueryBuilder;
import org.elasticsearch.search.fetch.subphase.FetchSourceContext;
import org.elasticsearch.xcontent.ObjectParser;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParser;

/**
 * {@code POST _recommend}: a shelf of recommendations for a shopper and/or items. An index read, authorized against
 * the model's catalogue index like a search of it.
 */
public final class RecommendAction {

    public static final String NAME = "indices:data/read/personalize/recommend";
    public static final ActionType<Response> TYPE = new ActionType<>(NAME);

    public static final int DEFAULT_SIZE = 10;
    public static final int DEFAULT_RECENT_ITEMS = 20;

    private RecommendAction() {}

    /** The body, as parsed. */
    public static final class Body {
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

        public Body model(String value) {
            model = value;
            return this;
        }

        public Body userId(String value) {
            userId = value;
            return this;
        }

        public Body itemIds(List<String> value) {
            itemIds = value;
            return this;
        }

        public Body size(int value) {
            size = value;
            return this;
        }

        public Body filter(QueryBuilder value) {
            filter = value;
            return this;
        }

        public Body excludeSeen(boolean value) {
            excludeSeen = value;
            return this;
        }

        public Body exclude(List<String> value) {
            exclude = value;
            return this;
        }

        public Body diversity(float value) {
            diversity = value;
            return this;
        }

        public Body explain(boolean value) {
            explain = value;
            return this;
        }

        public Body source(FetchSourceContext value) {
            source = value;
            return this;
        }

        public Body recentItems(int value) {
            recentItems = value;
            return this;
        }

        private static final ObjectParser<Body, Void> PARSER = new ObjectParser<>("recommend", false, Body::new);

        static {
            PARSER.declareString(Body::model, new ParseField("model"));
            PARSER.declareString(Body::userId, new ParseField("user_id"));
            PARSER.declareStringArray(Body::itemIds, new ParseField("item_ids"));
            PARSER.declareInt(Body::size, new ParseField("size"));
            PARSER.declareObject(
                    Body::filter, (p, c) -> AbstractQueryBuilder.parseTopLevelQuery(p), new ParseField("filter"));
            PARSER.declareBoolean(Body::excludeSeen, new ParseField("exclude_seen"));
            PARSER.declareStringArray(Body::exclude, new ParseField("exclude"));
            PARSER.declareFloat(Body::diversity, new ParseField("diversity"));
            PARSER.declareBoolean(Body::explain, new ParseField("explain"));
            PARSER.declareField(
                    Body::source,
                    (p, c) -> FetchSourceContext.fromXContent(p),
                    new ParseField("_source"),
                    ObjectParser.ValueType.OBJECT_ARRAY_BOOLEAN_OR_STRING);
            PARSER.declareInt(Body::recentItems, new ParseField("recent_items"));
        }

        public static Body parse(XContentParser parser) {
            return PARSER.apply(parser, null);
        }

        public String modelName() {
            return model;
        }
    }

    public static final class Request extends UntypedActionRequest implements IndicesRequest {
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
        // the model's catalogue index: what the caller must be allowed to read
        private String index;

        public Request(Body body) {
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
        }

        public Request(StreamInput in) throws IOException {
            super(in);
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
            this.index = in.readOptionalString();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
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
            out.writeOptionalString(index);
        }

        @Override
        public ActionRequestValidationException validate() {
            ActionRequestValidationException e = null;
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
            if (recentItems < 0) {
                e = addValidationError("[recent_items] must be at least 0, got [" + recentItems + "]", e);
            }
            if (index == null && model != null) {
                e = addValidationError("the model's catalogue index is not set", e);
            }
            return e;
        }

        public Request index(String catalogIndex) {
            this.index = catalogIndex;
            return this;
        }

        public String index() {
            return index;
        }

        @Override
        public String[] indices() {
            return index == null ? new String[0] : new String[] {index};
        }

        @Override
        public IndicesOptions indicesOptions() {
            return IndicesOptions.strictSingleIndexNoExpandForbidClosed();
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

        @Override
        public boolean equals(Object o) {
            return o instanceof Request other
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
                    && java.util.Objects.equals(index, other.index);
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
                    index);
        }

        /** Checks the request against the node's current limits. */
        public void checkLimits(Limits limits) {
            limits.checkSize(size);
            limits.checkItemIds(itemIds.size());
            limits.checkExclude(exclude.size());
            limits.checkRecentItems(recentItems);
        }
    }

    /** One recommendation: the item, its score, why, and its _source when asked for. */
    public record Recommendation(String itemId, float score, List<Reason> reasons, Map<String, Object> source)
            implements ToXContentObject, Writeable {

        public Recommendation(StreamInput in) throws IOException {
            this(in.readString(), in.readFloat(), in.readCollectionAsList(Reason::new), in.readGenericMap());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(itemId);
            out.writeFloat(score);
            out.writeCollection(reasons);
            out.writeGenericMap(source == null ? Map.of() : source);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject().field("item_id", itemId).field("score", score).field("reasons", reasons);
            if (source != null && source.isEmpty() == false) {
                builder.field("_source", source);
            }
            return builder.endObject();
        }
    }

    public static final class Response extends ActionResponse implements ToXContentObject {
        private final String model;
        private final long modelVersion;
        private final long tookMillis;
        private final List<Recommendation> recommendations;

        public Response(String model, long modelVersion, long tookMillis, List<Recommendation> recommendations) {
            this.model = model;
            this.modelVersion = modelVersion;
            this.tookMillis = tookMillis;
            this.recommendations = recommendations;
        }

        public Response(StreamInput in) throws IOException {
            this.model = in.readString();
            this.modelVersion = in.readVLong();
            this.tookMillis = in.readVLong();
            this.recommendations = in.readCollectionAsList(Recommendation::new);
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(model);
            out.writeVLong(modelVersion);
            out.writeVLong(tookMillis);
            out.writeCollection(recommendations);
        }

        public List<Recommendation> recommendations() {
            return recommendations;
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            return builder.startObject()
                    .field("model", model)
                    .field("model_version", modelVersion)
                    .field("took", tookMillis)
                    .field("recommendations", recommendations)
                    .endObject();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Response other
                    && model.equals(other.model)
                    && modelVersion == other.modelVersion
                    && tookMillis == other.tookMillis
                    && recommendations.equals(other.recommendations);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(model, modelVersion, tookMillis, recommendations);
        }
    }
}
