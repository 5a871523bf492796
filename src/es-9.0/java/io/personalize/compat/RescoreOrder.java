package io.personalize.compat;

import java.util.Comparator;
import org.apache.lucene.search.ScoreDoc;

/**
 * The order the rescore phase expects of a rescorer's hits: best score first, then by doc id. 9.2 publishes it as
 * {@code Rescorer.SCORE_DOC_COMPARATOR} (src/es-9.2); 9.1 keeps it private, so this is the same comparison.
 */
public final class RescoreOrder {

    private RescoreOrder() {}

    public static final Comparator<ScoreDoc> SCORE_DOCS = (a, b) -> {
        int byScore = Float.compare(b.score, a.score);
        return byScore != 0 ? byScore : Integer.compare(a.doc, b.doc);
    };
}
