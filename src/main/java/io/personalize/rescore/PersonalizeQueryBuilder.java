package io.personalize.rescore;

import io.personalize.compat.WireVersions;
import io.personalize.compat.WrappingQueryBuilder;
import io.personalize.profile.Serving;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.lucene.search.Query;
import org.apache.lucene.util.SetOnce;
import org.elasticsearch.TransportVersion;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.index.query.InnerHitContextBuilder;
import org.elasticsearch.index.query.MatchNoneQueryBuilder;
import org.elasticsearch.index.query.QueryBuilder;
import org.elasticsearch.index.query.QueryRewriteContext;
import org.elasticsearch.index.query.SearchExecutionContext;
import org.elasticsearch.xcontent.ObjectParser;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParser;

/**
 * The {@code personalize} query: any query, its every match scored with the rescorer's formula in the first pass.
 * <pre>
 * "query": { "personalize": { "query": {"match": {"title": "heart holder"}},
 *                              "model": "shop", "user_id": "17850", "context_items": ["85123A"], "weights": {...},
 *                              "query_normalization": "log", "recent_items": 50 } }
 * </pre>
 * The options are the rescorer's ({@link PersonalizeOptions}: the same parsing, checks, limits, authorization and
 * load of the shopper's signals once per request on the coordinating node); there is no window, so deep pages,
 * {@code search_after}, {@code top_hits} and {@code min_score} all see personalized scores. The first-pass score is
 * normalised per document ({@code log} or {@code none}): {@code minmax} needs the rescorer's window and is refused.
 * A shopper the model knows nothing of keeps the inner query's own scores.
 */
public final class PersonalizeQueryBuilder extends WrappingQueryBuilder<PersonalizeQueryBuilder> {

    public static final String NAME = PersonalizeOptions.NAME;

    private static final ParseField QUERY = new ParseField("query");

    private static final class Fields extends PersonalizeOptions.Fields {
        QueryBuilder query;
        float boost = DEFAULT_BOOST;
        String queryName;
    }

    // the rescorer's options, declared by PersonalizeOptions, and the query's own: the wrapped query, boost, _name
    private static final ObjectParser<Fields, Void> PARSER = new ObjectParser<>(NAME, false, Fields::new);

    static {
        PersonalizeOptions.declare(PARSER);
        PARSER.declareObject((f, q) -> f.query = q, (p, c) -> parseInnerQueryBuilder(p), QUERY);
        PARSER.declareFloat((f, v) -> f.boost = v, BOOST_FIELD);
        PARSER.declareString((f, v) -> f.queryName = v, NAME_FIELD);
    }

    private final QueryBuilder query;
    private final PersonalizeOptions options;
    // resolved on the coordinating node; what the shards use
    private final PersonalizationSignals signals;
    // on the coordinating node only: the node's services (when parsed from REST), and the load in flight
    private final Supplier<Serving> serving;
    private final SetOnce<PersonalizationSignals> loading;

    public PersonalizeQueryBuilder(QueryBuilder query, PersonalizeOptions options, Supplier<Serving> serving) {
        this(query, options, null, serving, null);
    }

    private PersonalizeQueryBuilder(
            QueryBuilder query,
            PersonalizeOptions options,
            PersonalizationSignals signals,
            Supplier<Serving> serving,
            SetOnce<PersonalizationSignals> loading) {
        if (query == null) {
            throw new IllegalArgumentException("[" + NAME + "] requires a [query]");
        }
        if (options.normalization() == QueryNormalization.MINMAX) {
            throw new IllegalArgumentException("[" + NAME + "] [query_normalization] [minmax] needs the window of the "
                    + "rescorer: the query scores each document on its own, with [log] or [none]");
        }
        this.query = query;
        this.options = options;
        this.signals = signals;
        this.serving = serving;
        this.loading = loading;
    }

    public static PersonalizeQueryBuilder fromXContent(XContentParser parser, Supplier<Serving> serving)
            throws IOException {
        Fields f = PARSER.parse(parser, null);
        PersonalizeQueryBuilder builder = new PersonalizeQueryBuilder(f.query, f.options(), serving);
        builder.boost(f.boost).queryName(f.queryName);
        return builder;
    }

    public PersonalizeQueryBuilder(StreamInput in) throws IOException {
        super(in);
        this.query = in.readNamedWriteable(QueryBuilder.class);
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
        out.writeNamedWriteable(query);
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

    public QueryBuilder query() {
        return query;
    }

    public PersonalizeOptions options() {
        return options;
    }

    public PersonalizationSignals signals() {
        return signals;
    }

    @Override
    protected QueryBuilder inner() {
        return query;
    }

    @Override
    protected QueryBuilder doRewrite(QueryRewriteContext context) throws IOException {
        QueryBuilder rewritten = query.rewrite(context);
        if (rewritten instanceof MatchNoneQueryBuilder) {
            return rewritten; // nothing to personalize
        }
        if (rewritten != query) {
            return copy(rewritten, signals, loading);
        }
        if (signals != null) {
            return this;
        }
        if (loading != null) {
            PersonalizationSignals loaded = loading.get();
            return loaded == null ? this : copy(query, loaded, null);
        }
        if (context.convertToDataRewriteContext() != null || context.convertToSearchExecutionContext() != null) {
            throw new IllegalStateException("[" + NAME + "] reached a shard without the shopper's profile");
        }
        if (context.convertToCoordinatorRewriteContext() != null) {
            // a can-match pre-check: the profile is loaded by the search's own rewrite
            return this;
        }
        options.checkLimits(PersonalizeOptions.limits(serving));
        return copy(query, null, options.loadOnCoordinatingNode(context, serving));
    }

    private PersonalizeQueryBuilder copy(
            QueryBuilder inner, PersonalizationSignals loaded, SetOnce<PersonalizationSignals> pending) {
        PersonalizeQueryBuilder copy = new PersonalizeQueryBuilder(inner, options, loaded, serving, pending);
        copy.boost(boost()).queryName(queryName());
        return copy;
    }

    @Override
    protected Query wrap(Query inner, SearchExecutionContext context) {
        if (signals == null) {
            throw new IllegalStateException("[" + NAME + "] reached a shard without the shopper's profile");
        }
        if (signals.isEmpty()) {
            // nothing known of the shopper: the query's own scores, as the rescorer keeps the first-pass order
            return inner;
        }
        return new PersonalizeQuery(inner, signals.shardSignals(), options.weights(), options.normalization());
    }

    @Override
    protected void extractInnerHitBuilders(Map<String, InnerHitContextBuilder> innerHits) {
        InnerHitContextBuilder.extractInnerHits(query, innerHits);
    }

    @Override
    protected void doXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject(NAME);
        builder.field(QUERY.getPreferredName(), query);
        options.toXContentFields(builder);
        boostAndQueryNameToXContent(builder);
        builder.endObject();
    }

    @Override
    protected boolean doEquals(PersonalizeQueryBuilder other) {
        return query.equals(other.query) && options.equals(other.options) && Objects.equals(signals, other.signals);
    }

    @Override
    protected int doHashCode() {
        return Objects.hash(query, options, signals);
    }
}
