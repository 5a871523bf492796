package io.personalize.compat;

import java.util.Comparator;
import org.apache.lucene.search.ScoreDoc;
import org.elasticsearch.search.rescore.Rescorer;

/** The order the rescore phase expects of a rescorer's hits: Elasticsearch's own since 9.2 (src/es-9.1). */
public final class RescoreOrder {

    private RescoreOrder() {}

    public static final Comparator<ScoreDoc> SCORE_DOCS = Rescorer.SCORE_DOC_COMPARATOR;
}
