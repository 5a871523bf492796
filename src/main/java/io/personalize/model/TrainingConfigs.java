package io.personalize.model;

import io.personalize.training.EaseSimilarity;
import io.personalize.training.ImplicitAls;
import io.personalize.training.TrainingConfig;
import java.util.Locale;
import org.elasticsearch.monitor.jvm.JvmInfo;

/** The training maths' configuration for a model's configuration: where the REST names meet the algorithm's knobs. */
public final class TrainingConfigs {

    private TrainingConfigs() {}

    /**
     * Share of the node's heap the training maths may take for the algorithm's own structures (dense EASE's
     * matrices, ALS's factors): a training that would need more fails before it starts, with the sizes, rather than
     * tripping a circuit breaker or running out of memory halfway.
     */
    public static final double MEMORY_BUDGET_SHARE = 0.4;

    static long memoryBudgetBytes() {
        return (long) (JvmInfo.jvmInfo().getMem().getHeapMax().getBytes() * MEMORY_BUDGET_SHARE);
    }

    public static TrainingConfig of(ModelConfig config) {
        TrainingConfig.Builder builder = TrainingConfig.builder();
        ModelConfig.Similarity similarity = config.similarity();
        builder.algorithm(
                switch (similarity.algorithm()) {
                    case ModelConfig.Similarity.RP3BETA -> TrainingConfig.Algorithm.RP3BETA;
                    case ModelConfig.Similarity.EASE -> TrainingConfig.Algorithm.EASE;
                    case ModelConfig.Similarity.ALS -> TrainingConfig.Algorithm.ALS;
                    case ModelConfig.Similarity.USER_KNN -> TrainingConfig.Algorithm.USER_KNN;
                    default -> TrainingConfig.Algorithm.COSINE;
                });
        builder.neighbors(similarity.neighbors());
        switch (similarity.algorithm()) {
            case ModelConfig.Similarity.RP3BETA -> {
                if (similarity.alpha() != null) {
                    builder.rp3Alpha(similarity.alpha());
                }
                if (similarity.beta() != null) {
                    builder.rp3Beta(similarity.beta());
                }
            }
            case ModelConfig.Similarity.ALS -> {
                if (similarity.alpha() != null) {
                    builder.alsAlpha(similarity.alpha());
                }
                if (similarity.factors() != null) {
                    builder.factors(similarity.factors());
                }
                if (similarity.iterations() != null) {
                    builder.iterations(similarity.iterations());
                }
                if (similarity.variant() != null) {
                    builder.alsSolver(ImplicitAls.Solver.of(similarity.variant()));
                }
            }
            case ModelConfig.Similarity.USER_KNN -> {
                if (similarity.shrinkage() != null) {
                    builder.userShrink(similarity.shrinkage());
                }
                if (similarity.userNeighbors() != null) {
                    builder.userNeighbors(similarity.userNeighbors());
                }
            }
            case ModelConfig.Similarity.EASE -> {
                if (similarity.variant() != null) {
                    builder.easeMode(
                            EaseSimilarity.Mode.valueOf(similarity.variant().toUpperCase(Locale.ROOT)));
                }
                if (similarity.support() != null) {
                    builder.easeSupport(similarity.support());
                }
            }
            default -> {
                if (similarity.alpha() != null) {
                    builder.cosineAlpha(similarity.alpha());
                }
                if (similarity.shrinkage() != null) {
                    builder.cosineShrink(similarity.shrinkage());
                }
            }
        }
        if (similarity.regularization() != null) {
            builder.regularization(similarity.regularization());
        }
        builder.memoryBudgetBytes(memoryBudgetBytes());
        if (config.events().halfLife() != null) {
            builder.halfLifeDays(config.events().halfLife().millis() / 86_400_000.0);
        } else {
            builder.halfLifeDays(Double.POSITIVE_INFINITY);
        }
        if (config.training().popularityHalfLife() != null) {
            builder.popularityHalfLifeDays(
                    config.training().popularityHalfLife().millis() / 86_400_000.0);
        }
        builder.maxItemsPerUser(config.training().maxHistory());
        if (config.training().valueExponent() != null) {
            builder.valueExponent(config.training().valueExponent());
        }
        if (config.training().popularityDiscount() != null) {
            builder.popularityDiscount(config.training().popularityDiscount());
        }
        TrainingConfig defaults = builder.build();
        if (config.training().popularityWeight() == null) {
            return defaults;
        }
        return defaults.toBuilder()
                .scoring(defaults.scoring()
                        .withPopularityWeight(config.training().popularityWeight()))
                .build();
    }
}
