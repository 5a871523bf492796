package io.personalize.rescore;

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
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.ResolvedIndices;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.cluster.metadata.IndexMetadata;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.index.query.QueryRewriteContext;
import org.elasticsearch.xcontent.ObjectParser;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.xcontent.XContentBuilder;

/**
 * What the {@code personalize} rescorer and the {@code personalize} query share: the shopper, the model and the
 * weights of the formula, parsed, checked, written and serialized by this one class, and the shopper's signals loaded
 * once per request on the coordinating node by {@link #loadOnCoordinatingNode}, as the caller of the search.
 */
public record PersonalizeOptions(
        String model,
        String userId,
        List<String> contextItems,
        RescoreWeights weights,
        QueryNormalization normalization,
        int recentItems)
        implements Writeable {

    public static final String NAME = "personalize";
    public static final int DEFAULT_RECENT_ITEMS = 50;
    public static final QueryNormalization DEFAULT_NORMALIZATION = QueryNormalization.LOG;

    static final ParseField MODEL = new ParseField("model");
    static final ParseField USER_ID = new ParseField("user_id");
    static final ParseField CONTEXT_ITEMS = new ParseField("context_items");
    static final ParseField WEIGHTS = new ParseField("weights");
    static final ParseField QUERY_NORMALIZATION = new ParseField("query_normalization");
    static final ParseField RECENT_ITEMS = new ParseField("recent_items");

    public PersonalizeOptions {
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
        contextItems = List.copyOf(contextItems);
        Objects.requireNonNull(weights);
        Objects.requireNonNull(normalization);
    }

    public PersonalizeOptions(StreamInput in) throws IOException {
        this(
                in.readString(),
                in.readOptionalString(),
                in.readStringCollectionAsImmutableList(),
                new RescoreWeights(in),
                in.readEnum(QueryNormalization.class),
                in.readVInt());
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(model);
        out.writeOptionalString(userId);
        out.writeStringCollection(contextItems);
        weights.writeTo(out);
        out.writeEnum(normalization);
        out.writeVInt(recentItems);
    }

    /** The parsed fields of either form, checked when {@link #options()} builds them. */
    static class Fields {
        String model;
        String userId;
        List<String> contextItems = List.of();
        RescoreWeights weights = RescoreWeights.DEFAULT;
        QueryNormalization normalization = DEFAULT_NORMALIZATION;
        int recentItems = DEFAULT_RECENT_ITEMS;

        PersonalizeOptions options() {
            return new PersonalizeOptions(model, userId, contextItems, weights, normalization, recentItems);
        }
    }

    /** Declares the shared fields on a form's parser (the query adds its inner query, boost and name). */
    static <F extends Fields> void declare(ObjectParser<F, Void> parser) {
        parser.declareString((f, v) -> f.model = v, MODEL);
        parser.declareString((f, v) -> f.userId = v, USER_ID);
        parser.declareStringArray((f, v) -> f.contextItems = v, CONTEXT_ITEMS);
        parser.declareObject((f, v) -> f.weights = v, RescoreWeights.PARSER, WEIGHTS);
        parser.declareString((f, v) -> f.normalization = QueryNormalization.parse(v), QUERY_NORMALIZATION);
        parser.declareInt((f, v) -> f.recentItems = v, RECENT_ITEMS);
    }

    /** Writes the shared fields into the form's object. */
    void toXContentFields(XContentBuilder builder) throws IOException {
        builder.field(MODEL.getPreferredName(), model);
        if (userId != null) {
            builder.field(USER_ID.getPreferredName(), userId);
        }
        if (contextItems.isEmpty() == false) {
            builder.field(CONTEXT_ITEMS.getPreferredName(), contextItems);
        }
        builder.field(WEIGHTS.getPreferredName(), weights);
        builder.field(QUERY_NORMALIZATION.getPreferredName(), normalization.toString());
        builder.field(RECENT_ITEMS.getPreferredName(), recentItems);
    }

    /** The node's limits when the request was parsed from REST (they are dynamic settings), else the defaults. */
    static Limits limits(Supplier<Serving> serving) {
        Serving node = serving != null ? serving.get() : null;
        return node == null ? Limits.DEFAULTS : node.limits();
    }

    /** Checks the options against the node's limits: a 400 naming the field and the setting. */
    void checkLimits(Limits limits) {
        limits.checkContextItems(contextItems.size());
        limits.checkRecentItems(recentItems);
    }

    /**
     * Registers, on the coordinating node, the one async action that loads the shopper's signals (as Elastic's
     * learning-to-rank rescorer loads its model): the search's rewrite waits for it without blocking a search thread,
     * and the form then ships the loaded signals to the shards. Returns the holder the loaded signals are set in.
     */
    SetOnce<PersonalizationSignals> loadOnCoordinatingNode(QueryRewriteContext context, Supplier<Serving> serving) {
        Serving node = serving != null ? serving.get() : null;
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
        return holder;
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
}
