package io.personalize.model;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import io.personalize.PersonalizePlugin;
import io.personalize.TinyShop;
import io.personalize.action.DeleteModelAction;
import io.personalize.action.EvaluateModelAction;
import io.personalize.action.GetModelsAction;
import io.personalize.action.ImportModelAction;
import io.personalize.action.PutModelAction;
import io.personalize.action.TrainModelAction;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.ResourceNotFoundException;
import org.elasticsearch.action.support.PlainActionFuture;
import org.elasticsearch.common.bytes.BytesArray;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.test.ESSingleNodeTestCase;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.json.JsonXContent;

/** A model's whole life inside one node: create, train, status, evaluate, import, delete. */
public class ModelLifecycleSingleNodeTests extends ESSingleNodeTestCase {

    @Override
    protected Collection<Class<? extends Plugin>> getPlugins() {
        return List.of(PersonalizePlugin.class);
    }

    private void indexShop() {
        TinyShop.index(client());
    }

    private static ModelConfig config() throws IOException {
        return TinyShop.config();
    }

    public void testCreateTrainEvaluateImportDelete() throws IOException {
        indexShop();
        PutModelAction.Response created = client().execute(
                        PutModelAction.TYPE, new PutModelAction.Request("shop", config()))
                .actionGet();
        assertTrue(created.created());

        TrainModelAction.Response trained = client().execute(
                        TrainModelAction.TYPE, new TrainModelAction.Request("shop"))
                .actionGet();
        assertThat(trained.version().version(), equalTo(1L));
        assertThat(trained.version().events(), equalTo(120L));
        assertThat(trained.version().users(), equalTo(40L));
        assertThat(trained.version().items(), equalTo(6L));

        ModelStore.StoredModel model = client().execute(GetModelsAction.TYPE, new GetModelsAction.Request("shop"))
                .actionGet()
                .models()
                .get(0);
        assertThat(model.status().activeVersion(), equalTo(1L));
        assertThat(model.status().training().state(), equalTo(ModelStatus.Training.State.SUCCEEDED));

        // the stored profile of a candle buyer who has every candle: their history, no item they already have, and
        // their affinity to the candles category
        String v1 = model.status().active().index();
        assertThat(
                "the index names the model's incarnation",
                v1,
                equalTo(ModelIndices.dataIndex("shop", model.status().uuid(), 1)));
        Map<String, Object> profile =
                client().prepareGet(v1, ModelDocuments.userDocId("u0")).get().getSource();
        @SuppressWarnings("unchecked")
        List<String> history = (List<String>) profile.get("history");
        assertThat(history.stream().sorted().toList(), equalTo(List.of("a", "b", "c")));
        assertThat("the newest first", history.get(0), equalTo("c"));
        @SuppressWarnings("unchecked")
        List<String> items = (List<String>) profile.get("items");
        assertTrue(items.stream().noneMatch(history::contains));
        assertThat(profile.get("attributes"), equalTo(Map.of("category", Map.of("candles", 1.0))));

        EvaluateModelAction.Body body;
        try (XContentParser parser = JsonXContent.jsonXContent.createParser(XContentParserConfiguration.EMPTY, """
            {"split": "2011-11-01", "k": 2}""")) {
            body = EvaluateModelAction.Body.parse(parser);
        }
        EvaluateModelAction.Response evaluation = client().execute(
                        EvaluateModelAction.TYPE, new EvaluateModelAction.Request("shop", body))
                .actionGet();
        assertThat(evaluation.result().testUsers(), equalTo(40L));
        assertEquals(
                "every user's third item of their kind is found",
                1.0,
                evaluation.result().model().hitRate(),
                1e-9);

        // a second version by import; the first stays until it falls out of the kept versions
        String lines = """
            {"item": "a", "neighbors": ["z"], "scores": [0.9]}
            {"user": "u0", "history": ["a"], "history_weights": [1], "items": ["z"], "scores": [0.9]}
            {"popular": ["z"], "scores": [3]}
            """;
        ImportModelAction.Response imported = client().execute(
                        ImportModelAction.TYPE,
                        new ImportModelAction.Request("shop", new BytesArray(lines.getBytes(StandardCharsets.UTF_8))))
                .actionGet();
        assertThat(imported.version().version(), equalTo(2L));
        assertThat(imported.version().users(), equalTo(1L));

        // a bad import fails with its line and leaves version 2 active
        Exception bad = expectThrows(Exception.class, () -> client().execute(
                        ImportModelAction.TYPE,
                        new ImportModelAction.Request(
                                "shop",
                                new BytesArray(
                                        "{\"user\": \"u1\", \"items\": [\"a\"]}\n".getBytes(StandardCharsets.UTF_8))))
                .actionGet());
        assertThat(bad.getMessage(), containsString("line 1"));
        model = client().execute(GetModelsAction.TYPE, new GetModelsAction.Request("shop"))
                .actionGet()
                .models()
                .get(0);
        assertThat(model.status().activeVersion(), equalTo(2L));
        assertThat(model.status().lastVersion(), greaterThan(2L));
        assertFalse(
                "the abandoned version's index is gone",
                indexExists(ModelIndices.dataIndex(
                        "shop", model.status().uuid(), model.status().lastVersion())));
        assertThat(model.status().importing().state(), equalTo(ModelStatus.Training.State.FAILED));
        assertThat(model.status().importing().reason(), containsString("line 1"));
        String v2 = model.status().active().index();

        client().execute(DeleteModelAction.TYPE, new DeleteModelAction.Request("shop"))
                .actionGet();
        expectThrows(ResourceNotFoundException.class, () -> client().execute(
                        GetModelsAction.TYPE, new GetModelsAction.Request("shop"))
                .actionGet());
        assertFalse(indexExists(v1));
        assertFalse(indexExists(v2));
    }

    public void testTrainingWithoutEventsFailsAndSaysWhy() throws IOException {
        indexShop();
        client().admin().indices().prepareDelete("events").get();
        client().admin().indices().prepareCreate("events").setMapping("""
            {"properties": {"user_id": {"type": "keyword"}, "sku": {"type": "keyword"}, "type": {"type": "keyword"},
                            "@timestamp": {"type": "date"}}}""").get();
        client().execute(PutModelAction.TYPE, new PutModelAction.Request("empty", config()))
                .actionGet();
        Exception e = expectThrows(
                Exception.class, () -> client().execute(TrainModelAction.TYPE, new TrainModelAction.Request("empty"))
                        .actionGet());
        assertThat(e.getMessage(), containsString("no usable events in [events]"));
        ModelStore.StoredModel model = client().execute(GetModelsAction.TYPE, new GetModelsAction.Request("empty"))
                .actionGet()
                .models()
                .get(0);
        assertThat(model.status().training().state(), equalTo(ModelStatus.Training.State.FAILED));
        assertThat(model.status().training().reason(), containsString("no usable events"));
        assertThat(model.status().activeVersion(), equalTo(0L));
    }

    public void testPutRejectsUnknownFieldsWithTheReason() throws IOException {
        indexShop();
        ModelConfig wrong;
        try (XContentParser parser = JsonXContent.jsonXContent.createParser(XContentParserConfiguration.EMPTY, """
            {"catalog": {"index": "products"}, "events": {"index": "events", "user_field": "customer"}}""")) {
            wrong = ModelConfig.parse(parser);
        }
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> client().execute(
                        PutModelAction.TYPE, new PutModelAction.Request("shop", wrong))
                .actionGet());
        assertThat(e.getMessage(), containsString("[events] field [customer] is not mapped"));
    }

    /**
     * The same compare-and-set sent twice, as Elasticsearch sends a write again to the promoted copy when its primary's
     * node died once the copies had it: the second meets the first's change, which is its own (a version conflict from
     * the real engine), and answers success at the document's sequence number, the source read back as Elasticsearch
     * stores it. A different change from the same read stays a conflict. ({@code ModelStoreWriteTests} has the
     * reservation of an import session that CI lost so.)
     */
    public void testAWriteSentAgainThatMeetsItsOwnChangeSucceeds() throws Exception {
        indexShop();
        client().execute(PutModelAction.TYPE, new PutModelAction.Request("shop", config()))
                .actionGet();
        ModelStore store = new ModelStore(client());
        PlainActionFuture<ModelStore.StoredModel> read = new PlainActionFuture<>();
        store.get("shop", read);
        ModelStore.StoredModel before = read.get(10, TimeUnit.SECONDS);
        java.util.function.UnaryOperator<ModelStatus> reserve =
                status -> ImportVersions.running("n:1", "n", 1_000, "import-1").apply(status.reserveVersion());

        PlainActionFuture<ModelStore.StoredModel> first = new PlainActionFuture<>();
        store.updateStatus(before, reserve, "model changed", first);
        ModelStore.StoredModel written = first.get(10, TimeUnit.SECONDS);
        PlainActionFuture<ModelStore.StoredModel> again = new PlainActionFuture<>();
        store.updateStatus(before, reserve, "model changed", again);

        ModelStore.StoredModel answered = again.get(10, TimeUnit.SECONDS);
        assertThat(answered.seqNo(), equalTo(written.seqNo()));
        assertThat(answered.status(), equalTo(written.status()));
        PlainActionFuture<ModelStore.StoredModel> other = new PlainActionFuture<>();
        store.updateStatus(
                before,
                status -> ImportVersions.running("n:2", "n", 1_000, "import-2").apply(status.reserveVersion()),
                "model changed",
                other);
        ExecutionException conflict = expectThrows(ExecutionException.class, () -> other.get(10, TimeUnit.SECONDS));
        assertThat(ExceptionsHelper.status(conflict.getCause()), equalTo(RestStatus.CONFLICT));
    }

    /**
     * The same deletion sent twice, as Elasticsearch sends it again to the promoted copy when its primary's node died
     * once the copies had it: the second finds no document (a version conflict from the real engine) and deletes the
     * model's data rather than answering 409 and leaving the shoppers' data to the orphan check. A deletion from a read
     * older than the model's last change, the document still there, is still a 409.
     */
    public void testADeletionSentAgainThatFindsNoDocumentDeletesTheData() throws Exception {
        indexShop();
        client().execute(PutModelAction.TYPE, new PutModelAction.Request("shop", config()))
                .actionGet();
        client().execute(TrainModelAction.TYPE, new TrainModelAction.Request("shop"))
                .actionGet();
        ModelStore store = new ModelStore(client());
        PlainActionFuture<ModelStore.StoredModel> read = new PlainActionFuture<>();
        store.get("shop", read);
        ModelStore.StoredModel model = read.get(10, TimeUnit.SECONDS);
        String v1 = model.status().active().index();

        PlainActionFuture<ModelStore.StoredModel> changed = new PlainActionFuture<>();
        store.updateStatus(model, status -> status.reserveVersion(), "model changed", changed);
        ModelStore.StoredModel now = changed.get(10, TimeUnit.SECONDS);
        PlainActionFuture<Void> stale = new PlainActionFuture<>();
        store.delete(model, stale);
        ExecutionException conflict = expectThrows(ExecutionException.class, () -> stale.get(10, TimeUnit.SECONDS));
        assertThat(ExceptionsHelper.status(conflict.getCause()), equalTo(RestStatus.CONFLICT));
        assertTrue("a refused deletion deletes nothing", indexExists(v1));

        PlainActionFuture<Void> first = new PlainActionFuture<>();
        store.delete(now, first);
        first.get(10, TimeUnit.SECONDS);
        // as the first deletion's indices went, the data is put back to see the second one delete it
        store.systemClient().admin().indices().prepareCreate(v1).get();
        PlainActionFuture<Void> again = new PlainActionFuture<>();
        store.delete(now, again);
        again.get(10, TimeUnit.SECONDS);
        assertFalse("the deletion sent again deleted the model's data", indexExists(v1));
    }

    private boolean indexExists(String index) {
        return client().admin()
                        .indices()
                        .prepareGetIndex(org.elasticsearch.core.TimeValue.THIRTY_SECONDS)
                        .setIndices(index)
                        .setIndicesOptions(org.elasticsearch.action.support.IndicesOptions.lenientExpandHidden())
                        .get()
                        .getIndices()
                        .length
                > 0;
    }
}
