package io.personalize.rescore;

import static org.elasticsearch.action.ValidateActions.addValidationError;

import io.personalize.compat.WireVersions;
import io.personalize.model.ModelStore;
import io.personalize.profile.CatalogResolver;
import io.personalize.profile.Limits;
import io.personalize.profile.ProfileLoader;
import io.personalize.profile.Serving;
import io.personalize.stats.ServingStats;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.lucene.util.SetOnce;
import org.elasticsearch.TransportVersion;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ResolvedIndices;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.cluster.metadata.IndexMetadata;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.index.query.QueryRewriteContext;
import org.elasticsearch.index.query.SearchExecutionContext;
import org.elasticsearch.search.builder.SearchSourceBuilder;
import org.elasticsearch.search.rescore.RescoreContext;
import org.elasticsearch.search.rescore.RescorerBuilder;
import org.elasticsearch.xcontent.ObjectParser;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParser;

/**
 * The {@code personalize} rescorer of a search request:
 * <pre>
 * "rescore": { "window_size": 200,
 *   "personalize": { "model": "shop", "user_id": "17850", "context_items": ["85123A"],
 *                    "weights": {"query": 0.5, "item_similarity": 0.5, "user_affinity": 1.0, "attribute_affinity": 0.5,
 *                                "popularity": 1.0},
 *                    "query_normalization": "log", "recent_items": 50 } }
 * </pre>
 * On the coordinating node its rewrite registers one async action that loads the shopper's profile (as Elastic's
 * learning-to-rank rescorer loads its model) through {@link PersonalizationSignalsAction}, as the caller, so that it
 * needs the same privilege as {@code _recommend}: {@code read} on the model's catalogue. The shards then receive the
 * resolved, compact {@link PersonalizationSignals} and never look anything up themselves.
 */
public final class PersonalizeRescorerBuilder extends RescorerBuilder<PersonalizeRescorerBuilder> {

    public static final String NAME = "personalize";
    public static final int DEFAULT_RECENT_ITEMS = 50;
    /** The window when the request gives none (Elasticsearch's own default, 10, leaves little to re-rank). */
    public static final int DEFAULT_WINDOW = 200;

    public static final QueryNormalization DEFAULT_NORMALIZATION = QueryNormalization.LOG;

    private static final ParseField MODEL = new ParseField("model");
    private static final ParseField USER_ID = new ParseField("user_id");
    private static final ParseField CONTEXT_ITEMS = new ParseField("context_items");
    private static final ParseField WEIGHTS = new ParseField("weights");
    private static final ParseField QUERY_NORMALIZATION = new ParseField("query_normalization");
    private static final ParseField RECENT_ITEMS = new ParseField("recent_items");

    /** Parsed fields, checked in {@link #build}. */
    private static final class Fields {
        String model;
        String userId;
        List<String> contextItems = List.of();
        RescoreWeights weights = RescoreWeights.DEFAULT;
        QueryNormalization normalization = DEFAULT_NORMALIZATION;
        int recentItems = DEFAULT_RECENT_ITEMS;
    }

    private static final ObjectParser<Fields, Void> PARSER = new ObjectParser<>(NAME, false, Fields::new);

    static {
        PARSER.declareString((f, v) -> f.model = v, MODEL);
        PARSER.declareString((f, v) -> f.userId = v, USER_ID);
        PARSER.declareStringArray((f, v) -> f.contextItems = v, CONTEXT_ITEMS);
        PARSER.declareObject((f, v) -> f.weights = v, RescoreWeights.PARSER, WEIGHTS);
        PARSER.declareString((f, v) -> f.normalization = QueryNormalization.parse(v), QUERY_NORMALIZATION);
        PARSER.declareInt((f, v) -> f.recentItems = v, RECENT_ITEMS);
    }

    private final String model;
    private final String userId;
    private final List<String> contextItems;
    private final RescoreWeights weights;
    private final QueryNormalization normalization;
    private final int recentItems;
    // resolved on the coordinating node; what the shards use
    private final PersonalizationSignals signals;
    // on the coordinating node only: the node's services (when parsed from REST), and the load in flight
    private final Supplier<Serving> serving;
    private final SetOnce<PersonalizationSignals> loading;

    public PersonalizeRescorerBuilder(
            String model,
            String userId,
            List<String> contextItems,
            RescoreWeights weights,
            QueryNormalization normalization,
            int recentItems,
            Supplier<Serving> serving) {
        this(model, userId, contextItems, weights, normalization, recentItems, null, serving, null);
        // the request's window_size, when it has one, is set after this
        this.windowSize = DEFAULT_WINDOW;
    }

    private PersonalizeRescorerBuilder(
            String model,
            String userId,
            List<String> contextItems,
            RescoreWeights weights,
            QueryNormalization normalization,
            int recentItems,
            PersonalizationSignals signals,
            Supplier<Serving> serving,
            SetOnce<PersonalizationSignals> loading) {
        if (model == null || model.isEmpty()) {
            throw new IllegalArgumentException("[" + NAME + "] requires a [model]");
        }
        if (userId != null && (userId.isEmpty() || userId.length() > 512)) {
            throw new IllegalArgumentException("[" + NAME + "] [user_id] must be 1 to 512 characters");
        }
        for (String item : contextItems) {
            if (item == null || item.isEmpty() || item.length() > 512) {
                throw new IllegalArgumentException("[" + NAME + "] [context_items] must be ids of 1 to 512 characters");
            }
        }
        if (recentItems < 0) {
            throw new IllegalArgumentException(
                    "[" + NAME + "] [recent_items] must be at least 0, got [" + recentItems + "]");
        }
        this.model = model;
        this.userId = userId;
        this.contextItems = List.copyOf(contextItems);
        this.weights = Objects.requireNonNull(weights);
        this.normalization = Objects.requireNonNull(normalization);
        this.recentItems = recentItems;
        this.signals = signals;
        this.serving = serving;
        this.loading = loading;
    }

    public static PersonalizeRescorerBuilder fromXContent(XContentParser parser, Supplier<Serving> serving)
            throws IOException {
        Fields f = PARSER.parse(parser, null);
        return new PersonalizeRescorerBuilder(
                f.model, f.userId, f.contextItems, f.weights, f.normalization, f.recentItems, serving);
    }

    public PersonalizeRescorerBuilder(StreamInput in) throws IOException {
        super(in);
        this.model = in.readString();
        this.userId = in.readOptionalString();
        this.contextItems = in.readStringCollectionAsImmutableList();
        this.weights = new RescoreWeights(in);
        this.normalization = in.readEnum(QueryNormalization.class);
        this.recentItems = in.readVInt();
        this.signals = in.readOptionalWriteable(PersonalizationSignals::new);
        this.serving = null;
        this.loading = null;
    }

    @Override
    protected void doWriteTo(StreamOutput out) throws IOException {
        if (signals == null && loading != null) {
            throw new IllegalStateException("[" + NAME + "] cannot be sent to a shard before its profile is loaded");
        }
        out.writeString(model);
        out.writeOptionalString(userId);
        out.writeStringCollection(contextItems);
        weights.writeTo(out);
        out.writeEnum(normalization);
        out.writeVInt(recentItems);
        out.writeOptionalWriteable(signals);
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }

    @Override
    public TransportVersion getMinimalSupportedVersion() {
        return WireVersions.minimumCompatible();
    }

    public PersonalizationSignals signals() {
        return signals;
    }

    public String model() {
        return model;
    }

    public String userId() {
        return userId;
    }

    public List<String> contextItems() {
        return contextItems;
    }

    public RescoreWeights weights() {
        return weights;
    }

    public QueryNormalization normalization() {
        return normalization;
    }

    public int recentItems() {
        return recentItems;
    }

    @Override
    public ActionRequestValidationException validate(SearchSourceBuilder source, ActionRequestValidationException e) {
        int window = windowSize == null ? DEFAULT_WINDOW : windowSize;
        int from = Math.max(0, source.from());
        int size = source.size() < 0 ? 10 : source.size();
        if (window < from + size) {
            // hits past the window keep first-pass scores, which do not mix with personalized ones
            return addValidationError(
                    "[" + NAME + "] window_size [" + window + "] must be at least from + size [" + (from + size) + "]",
                    e);
        }
        return e;
    }

    @Override
    public RescorerBuilder<PersonalizeRescorerBuilder> rewrite(QueryRewriteContext context) {
        if (signals != null) {
            return this;
        }
        if (loading != null) {
            PersonalizationSignals loaded = loading.get();
            return loaded == null ? this : resolved(loaded);
        }
        if (context.convertToDataRewriteContext() != null || context.convertToSearchExecutionContext() != null) {
            throw new IllegalStateException("[" + NAME + "] reached a shard without the shopper's profile");
        }
        if (context.convertToCoordinatorRewriteContext() != null) {
            // a can-match pre-check: the profile is loaded by the search's own rewrite
            return this;
        }
        Serving node = serving != null ? serving.get() : null;
        // the node's limits when the request was parsed from REST: they are dynamic settings
        Limits limits = node == null ? Limits.DEFAULTS : node.limits();
        limits.checkContextItems(contextItems.size());
        limits.checkRecentItems(recentItems);
        limits.checkWindowSize(windowSize == null ? DEFAULT_WINDOW : windowSize);
        SetOnce<PersonalizationSignals> holder = new SetOnce<>();
        ResolvedIndices searched = context.getResolvedIndices();
        boolean explain = context.isExplain();
        context.registerAsyncAction((client, listener) -> {
            // the node's loader when the request was parsed from REST; built over the rewrite's client for Java callers
            ProfileLoader profiles = node != null ? node.profiles() : new ProfileLoader(new ModelStore(client));
            // counted on the coordinating node: the time to load the shopper's profile (the search times itself)
            ActionListener<?> timed =
                    node != null ? node.stats().timed(ServingStats.Endpoint.RESCORE, listener) : listener;
            load(client, profiles, searched, explain, timed.map(signals -> {
                holder.set(signals);
                return null;
            }));
        });
        PersonalizeRescorerBuilder pending = new PersonalizeRescorerBuilder(
                model, userId, contextItems, weights, normalization, recentItems, null, serving, holder);
        pending.windowSize = windowSize;
        return pending;
    }

    /**
     * Loads the signals through {@link PersonalizationSignalsAction}, with the rewrite's client, which carries the
     * caller of the search: security authorizes it against the model's catalogue index as it authorizes
     * {@code _recommend}, the index resolved as for {@code _recommend} ({@link CatalogResolver}).
     */
    private void load(
            Client client,
            ProfileLoader profiles,
            ResolvedIndices searched,
            boolean explain,
            ActionListener<PersonalizationSignals> listener) {
        CatalogResolver.onCatalog(
                profiles,
                model,
                (String catalog, ActionListener<PersonalizationSignals> l) ->
                        load(client, catalog, searched, explain, l),
                listener);
    }

    private void load(
            Client client,
            String catalog,
            ResolvedIndices searched,
            boolean explain,
            ActionListener<PersonalizationSignals> listener) {
        var request = new PersonalizationSignalsAction.Request(
                model, userId, contextItems, userId == null ? 0 : recentItems, explain, catalog);
        client.execute(PersonalizationSignalsAction.TYPE, request, listener.delegateFailureAndWrap((l, response) -> {
            checkSearchedIndices(model, catalog, searched);
            l.onResponse(response.signals());
        }));
    }

    /**
     * A model personalizes searches of its own catalogue only. The caller may read the catalogue (the signals action
     * checked it), but the signals score any document whose id the model knows: searching another index, say one the
     * caller wrote with the ids of products that document-level security hides from them, would show those products'
     * popularity and similarity in the scores.
     */
    static void checkSearchedIndices(String model, String catalog, ResolvedIndices searched) {
        if (searched == null) {
            throw new IllegalArgumentException("[" + NAME + "] model [" + model + "] personalizes searches of ["
                    + catalog + "] only, and this search's indices are not known");
        }
        if (searched.getRemoteClusterIndices().isEmpty() == false) {
            throw new IllegalArgumentException("[" + NAME + "] model [" + model + "] personalizes searches of ["
                    + catalog + "] only, not of remote clusters "
                    + searched.getRemoteClusterIndices().keySet());
        }
        for (IndexMetadata index : searched.getConcreteLocalIndicesMetadata().values()) {
            // the catalogue itself, or an index behind the alias the model names
            if (index.getIndex().getName().equals(catalog) == false
                    && index.getAliases().containsKey(catalog) == false) {
                throw new IllegalArgumentException("[" + NAME + "] model [" + model + "] personalizes searches of ["
                        + catalog + "] only, not of [" + index.getIndex().getName() + "]");
            }
        }
    }

    private PersonalizeRescorerBuilder resolved(PersonalizationSignals loaded) {
        PersonalizeRescorerBuilder builder = new PersonalizeRescorerBuilder(
                model, userId, contextItems, weights, normalization, recentItems, loaded, serving, null);
        builder.windowSize = windowSize;
        return builder;
    }

    @Override
    protected RescoreContext innerBuildContext(int windowSize, SearchExecutionContext context) {
        if (signals == null) {
            throw new IllegalStateException("[" + NAME + "] reached a shard without the shopper's profile");
        }
        return new PersonalizeRescorer.Context(
                windowSize, weights, normalization, signals.isEmpty() ? null : new ShardSignals(signals));
    }

    @Override
    protected void doXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject(NAME).field(MODEL.getPreferredName(), model);
        if (userId != null) {
            builder.field(USER_ID.getPreferredName(), userId);
        }
        if (contextItems.isEmpty() == false) {
            builder.field(CONTEXT_ITEMS.getPreferredName(), contextItems);
        }
        builder.field(WEIGHTS.getPreferredName(), weights);
        builder.field(QUERY_NORMALIZATION.getPreferredName(), normalization.toString());
        builder.field(RECENT_ITEMS.getPreferredName(), recentItems);
        builder.endObject();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PersonalizeRescorerBuilder other
                && super.equals(o)
                && model.equals(other.model)
                && Objects.equals(userId, other.userId)
                && contextItems.equals(other.contextItems)
                && weights.equals(other.weights)
                && normalization == other.normalization
                && recentItems == other.recentItems
                && Objects.equals(signals, other.signals);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                super.hashCode(), model, userId, contextItems, weights, normalization, recentItems, signals);
    }
}
