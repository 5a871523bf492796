package io.personalize.spark;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.training.EaseSimilarity;
import io.personalize.training.ImplicitAls;
import io.personalize.training.ScoringParams;
import io.personalize.training.TrainingConfig;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What the job needs of a model's configuration ({@code GET _recommend/models/{m}}): the events' field names and
 * weights, and the training maths' configuration with the same parameters the node's training uses (the mapping of
 * {@code io.personalize.model.TrainingConfigs}: the REST names to {@link TrainingConfig}'s knobs).
 */
public record ModelSettings(
        String model,
        String eventsIndex,
        String userField,
        String itemField,
        String typeField,
        String timeField,
        String valueField,
        Map<String, Double> weights,
        Long halfLifeMillis,
        String algorithm,
        int neighbors,
        Double alpha,
        Double shrinkage,
        Double beta,
        int maxHistory,
        int userItems,
        Long popularityHalfLifeMillis,
        Double popularityWeight,
        Integer factors,
        Integer iterations,
        Double regularization,
        Double valueExponent,
        Integer userNeighbors,
        String variant,
        Integer easeSupport,
        Double popularityDiscount)
        implements Serializable {

    /**
     * Share of the JVM's heap the training maths may take for an algorithm's own structures, the node's rule
     * ({@code io.personalize.model.TrainingConfigs.MEMORY_BUDGET_SHARE}): EASE is dense while its matrices fit it.
     */
    static final double MEMORY_BUDGET_SHARE = 0.4;

    /** From the {@code config} object of the model's status. */
    public static ModelSettings parse(String model, JsonNode config) {
        JsonNode events = config.path("events");
        JsonNode similarity = config.path("similarity");
        JsonNode training = config.path("training");
        Map<String, Double> weights = new LinkedHashMap<>();
        events.path("weights")
                .fields()
                .forEachRemaining(e -> weights.put(e.getKey(), e.getValue().asDouble()));
        return new ModelSettings(
                model,
                events.path("index").asText(),
                events.path("user_field").asText(),
                events.path("item_field").asText(),
                events.path("type_field").asText(),
                events.path("time_field").asText(),
                text(events.path("value_field")),
                weights,
                duration(text(events.path("half_life"))),
                similarity.path("algorithm").asText("cosine"),
                similarity.path("neighbors").asInt(50),
                number(similarity.path("alpha")),
                number(similarity.path("shrinkage")),
                number(similarity.path("beta")),
                training.path("max_history").asInt(500),
                training.path("user_items").asInt(100),
                duration(text(training.path("popularity_half_life"))),
                number(training.path("popularity_weight")),
                similarity.path("factors").isNumber()
                        ? similarity.path("factors").asInt()
                        : null,
                similarity.path("iterations").isNumber()
                        ? similarity.path("iterations").asInt()
                        : null,
                number(similarity.path("regularization")),
                number(training.path("value_exponent")),
                similarity.path("user_neighbors").isNumber()
                        ? similarity.path("user_neighbors").asInt()
                        : null,
                text(similarity.path("variant")),
                similarity.path("support").isNumber()
                        ? similarity.path("support").asInt()
                        : null,
                number(training.path("popularity_discount")));
    }

    /** The training maths' configuration, as the node builds it for this model. */
    public TrainingConfig trainingConfig() {
        try {
            return buildTrainingConfig();
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("model [")) {
                throw e;
            }
            // the builder's checks (factors, iterations, alpha, regularization...), named for the model
            throw new IllegalArgumentException("model [" + model + "]: [similarity] " + e.getMessage(), e);
        }
    }

    private TrainingConfig buildTrainingConfig() {
        TrainingConfig.Builder builder = TrainingConfig.builder();
        TrainingConfig.Algorithm chosen =
                switch (algorithm) {
                    case "cosine" -> TrainingConfig.Algorithm.COSINE;
                    case "rp3beta" -> TrainingConfig.Algorithm.RP3BETA;
                    case "ease" -> TrainingConfig.Algorithm.EASE;
                    case "als" -> TrainingConfig.Algorithm.ALS;
                    case "user_knn" -> TrainingConfig.Algorithm.USER_KNN;
                    default ->
                        throw new IllegalArgumentException("model [" + model
                                + "]: the Spark job trains [cosine], [rp3beta], [ease], [als] (with Spark MLlib's ALS)"
                                + " and [user_knn], not [" + algorithm + "]");
                };
        builder.algorithm(chosen);
        builder.neighbors(neighbors);
        switch (chosen) {
            case RP3BETA -> {
                if (alpha != null) {
                    builder.rp3Alpha(alpha);
                }
                if (beta != null) {
                    builder.rp3Beta(beta);
                }
            }
            case ALS -> {
                if (alpha != null) {
                    builder.alsAlpha(alpha);
                }
                if (factors != null) {
                    builder.factors(factors);
                }
                if (iterations != null) {
                    builder.iterations(iterations);
                }
                // the model's variant: exact is MLlib's own factorisation; cg (the default) the node's CG steps,
                // which MLlib does not do (the job trains MLlib's either way: see SparkTrainer#factorize)
                if (variant != null) {
                    builder.alsSolver(ImplicitAls.Solver.of(variant));
                }
            }
            case USER_KNN -> {
                if (shrinkage != null) {
                    builder.userShrink(shrinkage);
                }
                if (userNeighbors != null) {
                    builder.userNeighbors(userNeighbors);
                }
            }
            case EASE -> {
                // the model's variant; the job's --ease, when not auto, overrides it (SparkTrainer#easeMode)
                if (variant != null) {
                    builder.easeMode(EaseSimilarity.Mode.valueOf(variant.toUpperCase(Locale.ROOT)));
                }
                if (easeSupport != null) {
                    builder.easeSupport(easeSupport);
                }
            }
            case COSINE -> {
                if (alpha != null) {
                    builder.cosineAlpha(alpha);
                }
                if (shrinkage != null) {
                    builder.cosineShrink(shrinkage);
                }
            }
        }
        // the JVM that builds the configuration: the driver decides dense or sparse EASE, as the node does with its
        // heap
        builder.memoryBudgetBytes(Math.max(1, (long) (Runtime.getRuntime().maxMemory() * MEMORY_BUDGET_SHARE)));
        if (regularization != null) {
            builder.regularization(regularization);
        }
        builder.halfLifeDays(halfLifeMillis == null ? Double.POSITIVE_INFINITY : halfLifeMillis / 86_400_000.0);
        if (popularityHalfLifeMillis != null) {
            builder.popularityHalfLifeDays(popularityHalfLifeMillis / 86_400_000.0);
        }
        builder.maxItemsPerUser(maxHistory);
        if (valueExponent != null) {
            builder.valueExponent(valueExponent);
        }
        if (popularityDiscount != null) {
            builder.popularityDiscount(popularityDiscount);
        }
        TrainingConfig defaults = builder.build();
        if (popularityWeight == null) {
            return defaults;
        }
        ScoringParams scoring = defaults.scoring().withPopularityWeight(popularityWeight);
        return defaults.toBuilder().scoring(scoring).build();
    }

    private static String text(JsonNode node) {
        return node.isMissingNode() || node.isNull() ? null : node.asText();
    }

    private static Double number(JsonNode node) {
        return node.isNumber() ? node.asDouble() : null;
    }

    /** Elasticsearch's time units as the status prints them ({@code 21d}, {@code 3d}, {@code 12h}, {@code 500ms}). */
    static Long duration(String text) {
        if (text == null) {
            return null;
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        String[][] units = {
            {"nanos", "0.000001"},
            {"micros", "0.001"},
            {"ms", "1"},
            {"s", "1000"},
            {"m", "60000"},
            {"h", "3600000"},
            {"d", "86400000"}
        };
        for (String[] unit : units) {
            if (t.endsWith(unit[0])) {
                String number = t.substring(0, t.length() - unit[0].length());
                if (number.isEmpty() == false && Character.isDigit(number.charAt(number.length() - 1))) {
                    return Math.round(Double.parseDouble(number) * Double.parseDouble(unit[1]));
                }
            }
        }
        throw new IllegalArgumentException("not a duration: [" + text + "]");
    }
}
