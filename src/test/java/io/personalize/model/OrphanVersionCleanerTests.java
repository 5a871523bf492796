package io.personalize.model;

import static org.hamcrest.Matchers.equalTo;

import io.personalize.TinyShop;
import io.personalize.model.ModelStatus.Training;
import io.personalize.model.ModelStore.StoredModel;
import java.io.IOException;
import java.util.List;
import org.elasticsearch.test.ESTestCase;

public class OrphanVersionCleanerTests extends ESTestCase {

    private static final String A = "00000000000000aa";
    private static final String B = "00000000000000bb";

    private static ModelStatus.Version version(String uuid, long v) {
        return new ModelStatus.Version(
                v,
                ModelIndices.dataIndex("shop", uuid, v),
                ModelStatus.Version.TRAINED,
                1000 + v,
                10,
                2,
                3,
                500,
                7,
                null);
    }

    private static StoredModel shop(String uuid, Training training, Training importing, ModelStatus.Version... versions)
            throws IOException {
        return new StoredModel(
                "shop",
                TinyShop.config(),
                new ModelStatus(
                        versions.length == 0 ? 0 : versions[0].version(),
                        9,
                        List.of(versions),
                        training,
                        uuid,
                        importing),
                1,
                1);
    }

    private static Training running(long version) {
        return new Training(Training.State.RUNNING, "n:1", "n", 1, 0, version, null);
    }

    public void testKeptVersionsAndLiveBuildsStayEverythingElseIsAnOrphan() throws IOException {
        StoredModel shop = shop(B, running(5), running(6), version(B, 3), version(B, 2));
        List<String> indices = List.of(
                ModelIndices.dataIndex("shop", B, 3), // active
                ModelIndices.dataIndex("shop", B, 2), // kept
                ModelIndices.dataIndex("shop", B, 1), // dropped, left behind
                ModelIndices.dataIndex("shop", B, 5), // a live training
                ModelIndices.dataIndex("shop", B, 6), // a live import
                ModelIndices.dataIndex("shop", B, 4), // a build that died
                ModelIndices.dataIndex("shop", A, 3), // the model's previous incarnation
                ModelIndices.dataIndex("gone", A, 1), // a deleted model
                ".personalize-models",
                "products");
        List<String> orphans = OrphanVersionCleaner.orphans(indices, List.of(shop), (model, build, isImport) -> true);
        assertThat(
                orphans,
                equalTo(List.of(
                        ModelIndices.dataIndex("shop", B, 1),
                        ModelIndices.dataIndex("shop", B, 4),
                        ModelIndices.dataIndex("shop", A, 3),
                        ModelIndices.dataIndex("gone", A, 1))));
    }

    public void testTheIndexOfABuildWhoseNodeIsDeadIsAnOrphan() throws IOException {
        StoredModel shop = shop(B, running(5), running(6), version(B, 3));
        List<String> indices = List.of(
                ModelIndices.dataIndex("shop", B, 3),
                ModelIndices.dataIndex("shop", B, 5),
                ModelIndices.dataIndex("shop", B, 6));
        assertThat(
                OrphanVersionCleaner.orphans(indices, List.of(shop), (model, build, isImport) -> isImport),
                equalTo(List.of(ModelIndices.dataIndex("shop", B, 5))));
        assertThat(
                OrphanVersionCleaner.orphans(indices, List.of(shop), (model, build, isImport) -> isImport == false),
                equalTo(List.of(ModelIndices.dataIndex("shop", B, 6))));
    }

    public void testModelsWithoutAUuidKeepTheirOlderIndexNames() throws IOException {
        StoredModel legacy = new StoredModel(
                "shop",
                TinyShop.config(),
                new ModelStatus(
                        1,
                        1,
                        List.of(new ModelStatus.Version(
                                1, ModelIndices.dataIndex("shop", 1), "training", 1, 1, 1, 1, 1, 1, null)),
                        null,
                        null,
                        null),
                1,
                1);
        List<String> indices = List.of(ModelIndices.dataIndex("shop", 1), ModelIndices.dataIndex("shop", A, 1));
        assertThat(
                OrphanVersionCleaner.orphans(indices, List.of(legacy), (m, b, i) -> true),
                equalTo(List.of(ModelIndices.dataIndex("shop", A, 1))));
    }
}
