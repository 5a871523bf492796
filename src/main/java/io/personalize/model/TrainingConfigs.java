package io.personalize.model;

import io.personalize.training.TrainingConfig;

/** The training maths' configuration for a model's configuration: where the REST names meet the algorithm's knobs. */
public final class TrainingConfigs {

    private TrainingConfigs() {}

    public static TrainingConfig of(ModelConfig config) {
        TrainingConfig.Builder builder = TrainingConfig.builder();
        ModelConfig.Similarity similarity = config.similarity();
        builder.algorithm(
                similarity.algorithm().equals(ModelConfig.Similarity.RP3BETA)
                        ? TrainingConfig.Algorithm.RP3BETA
                        : TrainingConfig.Algorithm.COSINE);
        builder.neighbors(similarity.neighbors());
        if (similarity.algorithm().equals(ModelConfig.Similarity.RP3BETA)) {
            if (similarity.alpha() != null) {
                builder.rp3Alpha(similarity.alpha());
            }
            if (similarity.beta() != null) {
                builder.rp3Beta(similarity.beta());
            }
        } else {
            if (similarity.alpha() != null) {
                builder.cosineAlpha(similarity.alpha());
            }
            if (similarity.shrinkage() != null) {
                builder.cosineShrink(similarity.shrinkage());
            }
        }
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
