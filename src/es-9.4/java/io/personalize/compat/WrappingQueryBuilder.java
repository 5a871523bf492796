package io.personalize.compat;

import java.io.IOException;
import org.apache.lucene.search.Query;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.index.query.AbstractQueryBuilder;
import org.elasticsearch.index.query.QueryBuilder;
import org.elasticsearch.index.query.SearchExecutionContext;
import org.elasticsearch.search.internal.MaxClauseCountQueryVisitor;

/**
 * A query builder that wraps one inner query: builds the inner Lucene query as the release asks
 * (since 9.4: doToQuery takes the clause-counting visitor; src/es-9.1 and es-9.2 have the older form), then lets the subclass wrap it.
 */
public abstract class WrappingQueryBuilder<QB extends WrappingQueryBuilder<QB>> extends AbstractQueryBuilder<QB> {

    protected WrappingQueryBuilder() {}

    protected WrappingQueryBuilder(StreamInput in) throws IOException {
        super(in);
    }

    /** The wrapped query. */
    protected abstract QueryBuilder inner();

    /** The Lucene query of this builder around the inner one's. */
    protected abstract Query wrap(Query inner, SearchExecutionContext context) throws IOException;

    @Override
    protected final Query doToQuery(SearchExecutionContext context, MaxClauseCountQueryVisitor visitor)
            throws IOException {
        Query inner = inner().toQuery(context, visitor);
        return inner == null ? null : wrap(inner, context);
    }
}
