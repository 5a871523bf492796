package io.personalize.model;

import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** A stored model (configuration, status and the sequence number to change it with) as the transport actions send it. */
public class StoredModelSerializationTests extends AbstractWireSerializingTestCase<ModelStore.StoredModel> {

    @Override
    protected ModelStore.StoredModel createTestInstance() {
        return new ModelStore.StoredModel(
                randomAlphaOfLengthBetween(1, 20),
                ModelConfigSerializationTests.randomModelConfig(),
                ModelStatusSerializationTests.randomModelStatus(),
                randomLongBetween(-2, Long.MAX_VALUE), // unassigned sequence numbers are negative
                randomLongBetween(0, Long.MAX_VALUE));
    }

    @Override
    protected ModelStore.StoredModel mutateInstance(ModelStore.StoredModel m) {
        return switch (between(0, 4)) {
            case 0 -> new ModelStore.StoredModel(m.name() + "x", m.config(), m.status(), m.seqNo(), m.primaryTerm());
            case 1 ->
                new ModelStore.StoredModel(
                        m.name(),
                        randomValueOtherThan(m.config(), ModelConfigSerializationTests::randomModelConfig),
                        m.status(),
                        m.seqNo(),
                        m.primaryTerm());
            case 2 ->
                new ModelStore.StoredModel(
                        m.name(),
                        m.config(),
                        randomValueOtherThan(m.status(), ModelStatusSerializationTests::randomModelStatus),
                        m.seqNo(),
                        m.primaryTerm());
            case 3 ->
                new ModelStore.StoredModel(
                        m.name(), m.config(), m.status(), m.seqNo() == 0 ? 1 : m.seqNo() - 1, m.primaryTerm());
            default ->
                new ModelStore.StoredModel(
                        m.name(), m.config(), m.status(), m.seqNo(), m.primaryTerm() == 0 ? 1 : m.primaryTerm() - 1);
        };
    }

    @Override
    protected Writeable.Reader<ModelStore.StoredModel> instanceReader() {
        return ModelStore.StoredModel::new;
    }
}
