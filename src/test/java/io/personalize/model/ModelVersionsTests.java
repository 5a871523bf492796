package io.personalize.model;

import static org.hamcrest.Matchers.equalTo;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.PlainActionFuture;
import org.elasticsearch.cluster.node.DiscoveryNodeUtils;
import org.elasticsearch.common.Strings;
import org.elasticsearch.index.engine.VersionConflictEngineException;
import org.elasticsearch.index.shard.ShardId;
import org.elasticsearch.node.NodeClosedException;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.threadpool.TestThreadPool;
import org.elasticsearch.threadpool.ThreadPool;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.json.JsonXContent;

public class ModelVersionsTests extends ESTestCase {

    private static final long HOUR = 3600_000L;

    private static ModelStatus.Version version(long number, long startedAt) {
        return new ModelStatus.Version(
                number,
                ".personalize-data-shop.v" + number,
                "training",
                startedAt + 10,
                1,
                1,
                1,
                1,
                1,
                "cosine",
                startedAt,
                null);
    }

    public void testForgottenUsersOutliveEveryKeptVersionThatMayHoldThem() {
        long now = 100 * HOUR;
        ModelStatus status =
                new ModelStatus(2, 2, List.of(version(2, 90 * HOUR), version(1, 50 * HOUR)), null, null, null);
        assertEquals("the oldest kept version's build start", 50 * HOUR, ModelVersions.forgottenCutoff(status, now));
    }

    public void testARunningTrainingAndTheGracePeriodKeepThemToo() {
        long now = 100 * HOUR;
        ModelStatus recent =
                new ModelStatus(2, 2, List.of(version(2, now - 10), version(1, now - 5)), null, null, null);
        assertEquals("imports in flight: an hour of grace", now - HOUR, ModelVersions.forgottenCutoff(recent, now));
        ModelStatus.Training running =
                new ModelStatus.Training(ModelStatus.Training.State.RUNNING, "n:1", "n", 20 * HOUR, 0, 3, null);
        ModelStatus training = new ModelStatus(2, 3, List.of(version(2, 90 * HOUR)), running, null, null);
        assertEquals("a training running since before", 20 * HOUR, ModelVersions.forgottenCutoff(training, now));
    }

    public void testAVersionStoredBeforeStartedAtCountsFromItsCreation() {
        ModelStatus.Version old =
                new ModelStatus.Version(1, ".personalize-data-shop.v1", "training", 42 * HOUR, 1, 1, 1, 1, 1, "cosine");
        assertEquals(42 * HOUR, old.builtFrom());
        assertEquals(
                42 * HOUR,
                ModelVersions.forgottenCutoff(new ModelStatus(1, 1, List.of(old), null, null, null), 100 * HOUR));
    }

    /**
     * A forgetting cut short (its node died between recording the user and deleting their documents) leaves their
     * newest items, hidden only while the cluster state names them: pruning drops those items first, and prunes only
     * once that succeeded.
     */
    public void testPruningFirstDropsTheirNewestItemsOfBeforeTheForgetting() {
        long now = 100 * HOUR;
        ModelStatus status =
                new ModelStatus(2, 2, List.of(version(2, now - 10), version(1, now - 5)), null, null, null);
        ForgottenUsers forgotten =
                ForgottenUsers.EMPTY.forget("shop", "old", now - 2 * HOUR).forget("shop", "recent", now - 60_000);
        List<String> calls = new ArrayList<>();
        boolean[] scrubFails = {true};
        ModelBroadcasts broadcasts = new NoBroadcasts() {
            @Override
            public void scrubForgotten(
                    String model, String uuid, Map<String, Long> users, ActionListener<Void> listener) {
                calls.add("scrub " + model + " " + users);
                if (scrubFails[0]) {
                    listener.onFailure(new IllegalStateException("the newest-items index is unavailable"));
                } else {
                    listener.onResponse(null);
                }
            }

            @Override
            public void pruneForgotten(String model, long olderThan, ActionListener<Void> listener) {
                calls.add("prune " + model + " " + olderThan);
                listener.onResponse(null);
            }
        };
        ModelVersions versions = new ModelVersions(null, () -> forgotten, broadcasts);
        ModelStore.StoredModel model = new ModelStore.StoredModel("shop", null, status, 1, 1);
        versions.pruneForgotten(model, now);
        assertEquals(
                "the scrub failed: nothing pruned (the next activation tries again)",
                List.of("scrub shop {old=" + (now - 2 * HOUR) + "}"),
                calls);
        calls.clear();
        scrubFails[0] = false;
        versions.pruneForgotten(model, now);
        assertEquals(List.of("scrub shop {old=" + (now - 2 * HOUR) + "}", "prune shop " + (now - HOUR)), calls);
    }

    public void testStartedAtIsStoredAndOptionalInOldDocuments() throws IOException {
        String old =
                "{\"version\": 1, \"index\": \".personalize-data-shop.v1\", \"source\": \"training\", \"created_at\": 500}";
        try (XContentParser parser = JsonXContent.jsonXContent.createParser(XContentParserConfiguration.EMPTY, old)) {
            ModelStatus.Version parsed = ModelStatus.Version.PARSER.apply(parser, null);
            assertEquals(0, parsed.startedAt());
            assertEquals(500, parsed.builtFrom());
        }
        ModelStatus.Version stored = version(3, 400);
        try (XContentParser parser =
                JsonXContent.jsonXContent.createParser(XContentParserConfiguration.EMPTY, Strings.toString(stored))) {
            assertEquals(stored, ModelStatus.Version.PARSER.apply(parser, null));
        }
    }

    /**
     * An import's activation whose write of the model was applied but answered with a failure: as the node that wrote it
     * died, or as the same write sent again to the promoted copy, which meets its own change (a conflict). The model
     * names the version active: the import answers it, and its index is not deleted (it was, as a version superseded
     * or failed, while the model served it).
     */
    public void testAnActivationWrittenWhoseAnswerWasLostIsAnActivation() throws Exception {
        ThreadPool threadPool = new TestThreadPool(getTestName());
        try {
            for (Exception lost : List.of(
                    new NodeClosedException(DiscoveryNodeUtils.create("node-1")),
                    new VersionConflictEngineException(
                            new ShardId(ModelIndices.MODELS, "_na_", 0), "shop", "its own change, applied"))) {
                ModelStatus reserved = ModelStatus.created().reserveVersion();
                reserved = ImportVersions.running("node-1:7", "node-1", 1_000).apply(reserved);
                ModelConfig config = ModelConfigTests.parse("""
                    {"catalog": {"index": "p"}, "events": {"index": "e"}}""");
                ModelsIndexClient index =
                        new ModelsIndexClient(threadPool, new ModelStore.StoredModel("shop", config, reserved, 3, 1));
                index.lostAnswer = lost;
                ModelStore store = new ModelStore(index);
                ModelVersions versions = new ModelVersions(store, () -> ForgottenUsers.EMPTY, new NoBroadcasts());
                ModelVersions.Pending pending = new ModelVersions.Pending(
                        "shop", 1, ModelIndices.dataIndex("shop", reserved.uuid(), 1), reserved.uuid(), 0, config);

                PlainActionFuture<ModelStatus.Version> activated = new PlainActionFuture<>();
                ImportVersions.activate(versions, pending, 2, 3, 500, 1_000, activated);

                assertThat(lost.toString(), activated.get(10, TimeUnit.SECONDS).version(), equalTo(1L));
                assertThat(index.model.status().activeVersion(), equalTo(1L));
                assertThat(index.model.status().importing().state(), equalTo(ModelStatus.Training.State.SUCCEEDED));
                assertThat("the active version's index is kept", index.deleted, equalTo(List.of()));
            }
        } finally {
            ThreadPool.terminate(threadPool, 10, TimeUnit.SECONDS);
        }
    }
}
