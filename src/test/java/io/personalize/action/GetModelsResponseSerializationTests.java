package io.personalize.action;

import io.personalize.model.ModelConfigSerializationTests;
import io.personalize.model.ModelStatusSerializationTests;
import io.personalize.model.ModelStore;
import java.util.ArrayList;
import java.util.List;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** {@code GET _recommend/models}: the stored models, as Writeables, and the version indices found missing. */
public class GetModelsResponseSerializationTests extends AbstractWireSerializingTestCase<GetModelsAction.Response> {

    private static ModelStore.StoredModel randomModel() {
        return new ModelStore.StoredModel(
                randomAlphaOfLengthBetween(1, 20),
                ModelConfigSerializationTests.randomModelConfig(),
                ModelStatusSerializationTests.randomModelStatus(),
                randomNonNegativeLong(),
                randomNonNegativeLong());
    }

    @Override
    protected GetModelsAction.Response createTestInstance() {
        boolean single = randomBoolean();
        return new GetModelsAction.Response(
                randomList(single ? 1 : 0, single ? 1 : 4, GetModelsResponseSerializationTests::randomModel),
                single,
                randomList(0, 3, () -> randomAlphaOfLengthBetween(1, 20)));
    }

    @Override
    protected GetModelsAction.Response mutateInstance(GetModelsAction.Response r) {
        List<ModelStore.StoredModel> models = new ArrayList<>(r.models());
        models.add(randomModel());
        return new GetModelsAction.Response(models, false, List.of());
    }

    @Override
    protected Writeable.Reader<GetModelsAction.Response> instanceReader() {
        return GetModelsAction.Response::new;
    }
}
