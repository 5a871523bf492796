package io.personalize.compat;

import org.elasticsearch.search.SearchHits;

/** How many documents a search matched: Lucene 10 (Elasticsearch 9) reads it with value(), Lucene 9 (8.19) a field. */
public final class TotalHitsCount {

    private TotalHitsCount() {}

    /** The total the search counted, or -1 when it did not count. */
    public static long of(SearchHits hits) {
        return hits.getTotalHits() == null ? -1 : hits.getTotalHits().value;
    }
}
