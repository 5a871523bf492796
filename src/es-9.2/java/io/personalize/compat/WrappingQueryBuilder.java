package io.personalize.compat;

import java.io.IOException;
import org.apache.lucene.search.Query;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.index.query.AbstractQueryBuilder;
import org.elasticsearch.index.query.QueryBuilder;
import org.elasticsearch.index.query.SearchExecutionContext;

/**
 * A query builder that wraps one inner query: builds the inner Lucene query as the release asks
 * (before 9.4: doToQuery without the clause-counting visitor that src/es-9.4 passes on), then lets the subclass wrap it.
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
    protected final Query doToQuery(SearchExecutionContext context) throws IOException {
        Query inner = inner().toQuery(context);
        return inner == null ? null : wrap(inner, context);
    }
}
