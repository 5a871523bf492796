package io.personalize.model;

import static org.hamcrest.Matchers.equalTo;

import java.io.IOException;
import java.util.List;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.xcontent.ToXContent;
import org.elasticsearch.xcontent.XContentFactory;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.json.JsonXContent;

public class ModelStatusTests extends ESTestCase {

    private static ModelStatus.Version version(long v) {
        return new ModelStatus.Version(
                v,
                ModelIndices.dataIndex("shop", v),
                ModelStatus.Version.TRAINED,
                1000 + v,
                10,
                2,
                3,
                500,
                7,
                "cosine");
    }

    public void testVersionNumbersAreNeverReused() {
        ModelStatus status = ModelStatus.NEW.reserveVersion().reserveVersion();
        assertThat(status.lastVersion(), equalTo(2L));
        assertThat("reserving does not activate", status.activeVersion(), equalTo(0L));
    }

    public void testActivatingKeepsTheNewestVersionsAndNamesTheDroppedOnes() {
        ModelStatus one = ModelStatus.NEW.reserveVersion().activate(version(1), ModelVersions.KEEP);
        ModelStatus two = one.reserveVersion().activate(version(2), ModelVersions.KEEP);
        ModelStatus three = two.reserveVersion().activate(version(3), ModelVersions.KEEP);
        assertThat(three.activeVersion(), equalTo(3L));
        assertThat(three.versions().stream().map(ModelStatus.Version::version).toList(), equalTo(List.of(3L, 2L)));
        assertThat(two.droppedBy(three), equalTo(List.of(version(1))));
        assertThat(three.active(), equalTo(version(3)));
    }

    public void testSkippedEventsAreStoredAndSentWithTheVersion() throws IOException {
        SkippedEvents.Counter counter = new SkippedEvents.Counter();
        counter.skip(EventRules.Reason.IN_THE_FUTURE, "e1");
        counter.skip(EventRules.Reason.IN_THE_FUTURE, "e9");
        counter.skip(EventRules.Reason.ID_TOO_LONG, "e4");
        counter.skip(EventRules.Reason.MISSING_FIELD, null);
        ModelStatus.Version version = version(1).withSkippedEvents(counter.build());
        assertThat(version.skippedEvents().count(), equalTo(4L));
        assertThat(version.skippedEvents().count(EventRules.Reason.IN_THE_FUTURE), equalTo(2L));
        ModelStatus status = ModelStatus.NEW.reserveVersion().activate(version, 2);
        BytesReference bytes =
                BytesReference.bytes(status.toXContent(XContentFactory.jsonBuilder(), ToXContent.EMPTY_PARAMS));
        assertThat(
                bytes.utf8ToString(),
                org.hamcrest.Matchers.containsString(
                        "\"skipped_events\":{\"count\":4,\"reasons\":{\"id_too_long\":{\"count\":1,\"first_ids\":[\"e4\"]},"
                                + "\"in_the_future\":{\"count\":2,\"first_ids\":[\"e1\",\"e9\"]},\"missing_field\":{\"count\":1,\"first_ids\":[]}}}"));
        try (XContentParser parser = createParser(JsonXContent.jsonXContent, bytes)) {
            assertThat(ModelStatus.PARSER.apply(parser, null), equalTo(status));
        }
        try (org.elasticsearch.common.io.stream.BytesStreamOutput out =
                new org.elasticsearch.common.io.stream.BytesStreamOutput()) {
            version.writeTo(out);
            assertThat(new ModelStatus.Version(out.bytes().streamInput()), equalTo(version));
        }
        assertNull(
                "nothing skipped: nothing shown",
                version(2).withSkippedEvents(SkippedEvents.NONE).skippedEvents());
    }

    public void testStoredFormRoundTrips() throws IOException {
        ModelStatus status = ModelStatus.created()
                .reserveVersion()
                .activate(version(1), 2)
                .withTraining(new ModelStatus.Training(
                        ModelStatus.Training.State.FAILED, "node:1", "node", 5, 9, 2, "no events"))
                .withImport(new ModelStatus.Training(
                        ModelStatus.Training.State.SUPERSEDED, "node:2", "node", 6, 8, 3, "version [4] was activated"));
        BytesReference bytes =
                BytesReference.bytes(status.toXContent(XContentFactory.jsonBuilder(), ToXContent.EMPTY_PARAMS));
        try (XContentParser parser = createParser(JsonXContent.jsonXContent, bytes)) {
            assertThat(ModelStatus.PARSER.apply(parser, null), equalTo(status));
        }
    }

    /**
     * {@code status.import} keeps an import session's {@code import_id}: shown and read back, on the wire and stored;
     * a status stored without it (an older build, or no id) reads as none, and finishing the import keeps it.
     */
    public void testTheImportIdOfASessionRoundTripsWithAndWithoutIt() throws IOException {
        for (String id : new String[] {"job-7f3a", null}) {
            ModelStatus.Training running =
                    new ModelStatus.Training(ModelStatus.Training.State.RUNNING, "n:5", "n", 6, 0, 3, null, id);
            ModelStatus status = ModelStatus.created().reserveVersion().withImport(running);
            String json = BytesReference.bytes(
                            status.toXContent(XContentFactory.jsonBuilder(), ToXContent.EMPTY_PARAMS))
                    .utf8ToString();
            assertEquals(json, id != null, json.contains("\"import_id\":\"job-7f3a\""));
            try (XContentParser parser = createParser(JsonXContent.jsonXContent, json)) {
                assertThat(ModelStatus.PARSER.apply(parser, null).importing().importId(), equalTo(id));
            }
            try (org.elasticsearch.common.io.stream.BytesStreamOutput out =
                    new org.elasticsearch.common.io.stream.BytesStreamOutput()) {
                running.writeTo(out);
                assertThat(new ModelStatus.Training(out.bytes().streamInput()), equalTo(running));
            }
            assertEquals(
                    id,
                    running.finish(ModelStatus.Training.State.FAILED, 9, "bad line")
                            .importId());
        }
        String older = "{\"import\": {\"state\": \"running\", \"task_id\": \"n:5\", \"started_at\": 6}}";
        try (XContentParser parser = createParser(JsonXContent.jsonXContent, older)) {
            assertNull(ModelStatus.PARSER.apply(parser, null).importing().importId());
        }
    }

    public void testEachCreatedModelIsANewIncarnation() {
        String a = ModelStatus.created().uuid();
        String b = ModelStatus.created().uuid();
        assertNotEquals(a, b);
        assertTrue(a, a.matches("[0-9a-f]{16}"));
        assertThat(
                "reserving and activating keep it",
                ModelStatus.created().reserveVersion().uuid().length(),
                equalTo(16));
    }

    public void testGetShowsAMissingActiveIndexButNeverStoresIt() throws IOException {
        ModelStatus status = ModelStatus.NEW.reserveVersion().activate(version(1), 2);
        ToXContent.Params params = new ToXContent.MapParams(
                java.util.Map.of(ModelStatus.MISSING_INDICES_PARAM, version(1).index()));
        String shown = BytesReference.bytes(status.toXContent(XContentFactory.jsonBuilder(), params))
                .utf8ToString();
        assertTrue(shown, shown.contains("\"index_missing\":true"));
        assertTrue(
                shown,
                shown.contains(
                        "\"error\":\"the index [" + version(1).index() + "] of the active version [1] is missing"));
        String stored = BytesReference.bytes(status.toXContent(XContentFactory.jsonBuilder(), ToXContent.EMPTY_PARAMS))
                .utf8ToString();
        assertFalse(stored, stored.contains("missing"));
    }
}
