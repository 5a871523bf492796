package io.personalize.model;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.nullValue;

import io.personalize.TinyShop;
import io.personalize.model.ModelStatus.Training;
import io.personalize.model.ModelStore.StoredModel;
import java.io.IOException;
import java.util.List;
import org.elasticsearch.test.ESTestCase;

public class ActivationRuleTests extends ESTestCase {

    private static final String UUID = "0123456789abcdef";

    private static ModelStatus.Version version(long v, String source) {
        return new ModelStatus.Version(
                v, ModelIndices.dataIndex("shop", UUID, v), source, 1000 + v, 10, 2, 3, 500, 7, null);
    }

    /** A model whose active version is {@code active}, training version {@code building}. */
    private static StoredModel model(
            ModelConfig config, String uuid, long active, Training training, Training importing) {
        List<ModelStatus.Version> versions =
                active == 0 ? List.of() : List.of(version(active, ModelStatus.Version.IMPORTED));
        return new StoredModel("shop", config, new ModelStatus(active, 9, versions, training, uuid, importing), 1, 1);
    }

    private static Training running(long version) {
        return new Training(Training.State.RUNNING, "n:1", "n", 1, 0, version, null);
    }

    public void testATrainingStartedFromTheActiveVersionOfTheSameModelAndConfigIsActivated() throws IOException {
        ModelConfig config = TinyShop.config();
        ModelVersions.Pending pending =
                new ModelVersions.Pending("shop", 8, ModelIndices.dataIndex("shop", UUID, 8), UUID, 7, config);
        assertThat(ActivationRule.refusal(pending, model(config, UUID, 7, running(8), null), true), nullValue());
    }

    public void testAVersionActivatedMeanwhileStays() throws IOException {
        ModelConfig config = TinyShop.config();
        ModelVersions.Pending pending =
                new ModelVersions.Pending("shop", 8, ModelIndices.dataIndex("shop", UUID, 8), UUID, 7, config);
        String why = ActivationRule.refusal(pending, model(config, UUID, 9, running(8), null), true);
        assertThat(why, containsString("version [9] was activated (import) while it was built from version [7]"));
        expectThrows(
                ActivationRule.SupersededException.class,
                () -> ActivationRule.check(pending, model(config, UUID, 9, running(8), null), true));
    }

    public void testAModelDeletedAndCreatedAgainIsAnotherModel() throws IOException {
        ModelConfig config = TinyShop.config();
        ModelVersions.Pending pending =
                new ModelVersions.Pending("shop", 1, ModelIndices.dataIndex("shop", UUID, 1), UUID, 0, config);
        String why = ActivationRule.refusal(pending, model(config, "fedcba9876543210", 0, running(1), null), true);
        assertThat(why, containsString("the model was deleted (and created again) while it was built"));
    }

    public void testAReplacedConfigurationRefusesATrainingButNotAnImport() throws IOException {
        ModelConfig config = TinyShop.config();
        ModelConfig other = new ModelConfig(
                config.catalog(),
                config.events(),
                new ModelConfig.Similarity("cosine", 7, null, null, null),
                config.training());
        ModelVersions.Pending pending =
                new ModelVersions.Pending("shop", 8, ModelIndices.dataIndex("shop", UUID, 8), UUID, 7, config);
        assertThat(
                ActivationRule.refusal(pending, model(other, UUID, 7, running(8), null), true),
                containsString("the model's configuration was replaced while it was trained"));
        assertThat(ActivationRule.refusal(pending, model(other, UUID, 7, null, running(8)), false), nullValue());
    }

    public void testABuildRecordedAsInterruptedIsNotActivated() throws IOException {
        ModelConfig config = TinyShop.config();
        ModelVersions.Pending pending =
                new ModelVersions.Pending("shop", 8, ModelIndices.dataIndex("shop", UUID, 8), UUID, 7, config);
        Training interrupted = running(8).finish(Training.State.FAILED, 5, "interrupted: node [n] left the cluster");
        assertThat(
                ActivationRule.refusal(pending, model(config, UUID, 7, interrupted, null), true),
                containsString("its run was recorded as ended meanwhile (interrupted: node [n] left the cluster)"));
    }
}
