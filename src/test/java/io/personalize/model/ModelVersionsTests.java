package io.personalize.model;

import java.io.IOException;
import java.util.List;
import org.elasticsearch.common.Strings;
import org.elasticsearch.test.ESTestCase;
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
}
