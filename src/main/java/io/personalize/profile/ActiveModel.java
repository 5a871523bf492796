package io.personalize.profile;

import io.personalize.model.ModelConfig;
import io.personalize.model.ModelStatus;

/** A model and the version that serves now: what a request reads from. */
public record ActiveModel(String name, ModelConfig config, ModelStatus.Version version) {

    public String index() {
        return version.index();
    }
}
