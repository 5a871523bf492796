package io.personalize.rescore;

import static org.elasticsearch.action.ValidateActions.addValidationError;

import io.personalize.compat.WireVersions;
import io.personalize.profile.Limits;
import io.personalize.profile.Serving;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.lucene.util.SetOnce;
import org.elasticsearch.TransportVersion;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.index.query.QueryRewriteContext;
import org.elasticsearch.index.query.SearchExecutionContext;
import org.elasticsearch.search.builder.SearchSourceBuilder;
import org.elasticsearch.search.rescore.RescoreContext;
import org.elasticsearch.search.rescore.RescorerBuilder;
import org.elasticsearch.xcontent.ObjectParser;
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

    public static final String NAME = PersonalizeOptions.NAME;
    public static final int DEFAULT_RECENT_ITEMS = PersonalizeOptions.DEFAULT_RECENT_ITEMS;
    /** The window when the request gives none (Elasticsearch's own default, 10, leaves little to re-rank). */
    public static final int DEFAULT_WINDOW = 200;

    public static final QueryNormalization DEFAULT_NORMALIZATION = PersonalizeOptions.DEFAULT_NORMALIZATION;

    // the options the personalize query shares: parsed, checked and written by PersonalizeOptions
    private static final ObjectParser<PersonalizeOptions.Fields, Void> PARSER =
            new ObjectParser<>(NAME, false, PersonalizeOptions.Fields::new);

    static {
        PersonalizeOptions.declare(PARSER);
    }

    private final PersonalizeOptions options;
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
        this(
                new PersonalizeOptions(model, userId, contextItems, weights, normalization, recentItems),
                null,
                serving,
                null);
        // the request's window_size, when it has one, is set after this
        this.windowSize = DEFAULT_WINDOW;
    }

    private PersonalizeRescorerBuilder(
            PersonalizeOptions options,
            PersonalizationSignals signals,
            Supplier<Serving> serving,
            SetOnce<PersonalizationSignals> loading) {
        this.options = options;
        this.signals = signals;
        this.serving = serving;
        this.loading = loading;
    }

    public static PersonalizeRescorerBuilder fromXContent(XContentParser parser, Supplier<Serving> serving)
            throws IOException {
        PersonalizeRescorerBuilder builder =
                new PersonalizeRescorerBuilder(PARSER.parse(parser, null).options(), null, serving, null);
        builder.windowSize = DEFAULT_WINDOW;
        return builder;
    }

    public PersonalizeRescorerBuilder(StreamInput in) throws IOException {
        super(in);
        this.options = new PersonalizeOptions(in);
        this.signals = in.readOptionalWriteable(PersonalizationSignals::new);
        this.serving = null;
        this.loading = null;
    }

    @Override
    protected void doWriteTo(StreamOutput out) throws IOException {
        if (signals == null && loading != null) {
            throw new IllegalStateException("[" + NAME + "] cannot be sent to a shard before its profile is loaded");
        }
        options.writeTo(out);
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

    public PersonalizeOptions options() {
        return options;
    }

    public String model() {
        return options.model();
    }

    public String userId() {
        return options.userId();
    }

    public List<String> contextItems() {
        return options.contextItems();
    }

    public RescoreWeights weights() {
        return options.weights();
    }

    public QueryNormalization normalization() {
        return options.normalization();
    }

    public int recentItems() {
        return options.recentItems();
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
        Limits limits = PersonalizeOptions.limits(serving);
        options.checkLimits(limits);
        limits.checkWindowSize(windowSize == null ? DEFAULT_WINDOW : windowSize);
        PersonalizeRescorerBuilder pending = new PersonalizeRescorerBuilder(
                options, null, serving, options.loadOnCoordinatingNode(context, serving));
        pending.windowSize = windowSize;
        return pending;
    }

    private PersonalizeRescorerBuilder resolved(PersonalizationSignals loaded) {
        PersonalizeRescorerBuilder builder = new PersonalizeRescorerBuilder(options, loaded, serving, null);
        builder.windowSize = windowSize;
        return builder;
    }

    @Override
    protected RescoreContext innerBuildContext(int windowSize, SearchExecutionContext context) {
        if (signals == null) {
            throw new IllegalStateException("[" + NAME + "] reached a shard without the shopper's profile");
        }
        return new PersonalizeRescorer.Context(
                windowSize,
                options.weights(),
                options.normalization(),
                signals.isEmpty() ? null : signals.shardSignals());
    }

    @Override
    protected void doXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject(NAME);
        options.toXContentFields(builder);
        builder.endObject();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PersonalizeRescorerBuilder other
                && super.equals(o)
                && options.equals(other.options)
                && Objects.equals(signals, other.signals);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), options, signals);
    }
}
