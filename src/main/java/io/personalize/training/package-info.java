/**
 * Collaborative-filtering training, pure Java (no Elasticsearch or Lucene types).
 *
 * <h2>Pipeline</h2>
 * <ol>
 *   <li>{@link io.personalize.training.InteractionMatrixBuilder}: events (dense user id, dense item
 *       id, weight, epoch seconds) are time-decayed ({@code 0.5^(age / halfLife)}, age relative to
 *       the newest event), summed per (user, item), capped to the most recent M items per user, and
 *       turned into a CSR {@link io.personalize.training.InteractionMatrix} plus its transpose; the
 *       builder also computes time-decayed item popularity.</li>
 *   <li>An {@link io.personalize.training.ItemSimilarity} computes the top-K neighbours of every
 *       item ({@link io.personalize.training.ItemNeighbors}):
 *       {@link io.personalize.training.CosineSimilarity} (default) or
 *       {@link io.personalize.training.Rp3BetaSimilarity}.</li>
 *   <li>{@code io.personalize.serving.NeighborhoodScorer} (serving, which depends on training, never
 *       the reverse) is the one definition of a user's recommendations, over these arrays:
 *       <pre>
 *   score(j) = sum_{i in history} h_i * S[i][j]  +  beta * pop(j) / max pop
 *   h_i      = g(w_i) / (sum_{i' in history} g(w_i'))^q,   g(w) = w^p
 *       </pre>
 *       defaults p = 0, q = 1 (the plain average of S[i][j] over the history items), beta = 0.03,
 *       pop = distinct users with a 3-day half-life.</li>
 * </ol>
 * {@link io.personalize.training.ModelTrainer} runs the pipeline from a
 * {@link io.personalize.training.TrainingConfig}; {@link io.personalize.training.RankingMetrics}
 * holds the offline metrics.
 *
 * <h2>Defaults (chosen on Online Retail, train &lt; 2011-10-01, validated on October 2011)</h2>
 * Event half-life 21 days; M = 500; K = 50; cosine with alpha = 0.4, shrink = 10, user-activity
 * exponent 1.5 and value exponent 0.5 (similarities use sqrt of the decayed weights, so recent
 * co-purchases count more); popularity half-life 3 days counting distinct users; scoring p = 0,
 * q = 1, beta = 0.03. RP3beta alternative: alpha = 1, beta = 0.6, value exponent 0.5, rows divided
 * by their maximum, popularity weight 0.05.
 *
 * <p>The other algorithms (same validation split, {@code bin/bench models}): EASE lambda = 800 with
 * popularity weight 0.05 and scoring p = 0, q = 0 (the plain sum x_u B); ALS 64 factors, lambda = 10,
 * alpha = 2, 15 sweeps; user_knn 100 nearest users, shrink 10, popularity weight 0.05. On a stratified
 * split without seasonality the events' time decay costs these models much more than any parameter
 * here: see the README's figures.
 *
 * <h2>Every algorithm, the same model</h2>
 * {@link io.personalize.training.EaseSimilarity} (dense or sparse by the memory budget) gives item
 * neighbours that the neighbourhood formula serves; {@link io.personalize.training.ImplicitAls} and
 * {@link io.personalize.training.UserKnn} rank users' items themselves
 * ({@link io.personalize.training.UserRanker}, on the formula's scale) and give item neighbours for
 * real-time history ({@link io.personalize.training.FactorNeighbors}: the fold-in of the factors;
 * cosine for user_knn).
 *
 * <p>Much of the gain over plain item-kNN on that data comes from the short-half-life popularity
 * blend (the test period is the Christmas season); in a non-seasonal month the blend adds little.
 */
package io.personalize.training;
