package io.personalize.profile;

import io.personalize.model.ModelConfig;
import io.personalize.model.ModelStatus;
import io.personalize.model.ModelStore;
import org.elasticsearch.index.seqno.SequenceNumbers;

/**
 * A model and the version that serves now: what a request reads from. {@code configTerm}/{@code configSeqNo}: the write
 * of the model's document its configuration was read from (unassigned when not known), a stamp that changes with every
 * configuration, cheaper to compare than the configuration itself.
 */
public record ActiveModel(
        String name, ModelConfig config, ModelStatus.Version version, long configTerm, long configSeqNo) {

    /** A model whose configuration's write is not known (tests): nothing keyed by it is cached. */
    public ActiveModel(String name, ModelConfig config, ModelStatus.Version version) {
        this(name, config, version, SequenceNumbers.UNASSIGNED_PRIMARY_TERM, SequenceNumbers.UNASSIGNED_SEQ_NO);
    }

    /** The model as its document {@code model} says, served from {@code version}. */
    public static ActiveModel of(ModelStore.StoredModel model, ModelStatus.Version version) {
        return new ActiveModel(model.name(), model.config(), version, model.primaryTerm(), model.seqNo());
    }

    public String index() {
        return version.index();
    }

    /** Whether {@link #configTerm}/{@link #configSeqNo} name the write the configuration was read from. */
    public boolean configStamped() {
        return configTerm != SequenceNumbers.UNASSIGNED_PRIMARY_TERM
                && configSeqNo != SequenceNumbers.UNASSIGNED_SEQ_NO;
    }
}
