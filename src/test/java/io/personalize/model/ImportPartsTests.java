package io.personalize.model;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.elasticsearch.common.bytes.BytesArray;
import org.elasticsearch.test.ESTestCase;

/** The parts of an import session: what arrived, replaced parts, ids across parts, and when it can complete. */
public class ImportPartsTests extends ESTestCase {

    private static void write(ImportParts parts, int number, String ndjson) {
        parts.begin(number);
        ModelLines lines = new ModelLines(
                new BytesArray(ndjson.getBytes(StandardCharsets.UTF_8)),
                (id, what, line) -> parts.claim(number, id, what, line));
        lines.forEachRemaining(doc -> {});
        parts.written(number, lines.items(), lines.users(), lines.popularLines());
    }

    private static final String ITEMS = """
        {"item": "a", "neighbors": ["b"], "scores": [0.5], "popularity": 1.0}
        {"item": "b", "neighbors": ["a"], "scores": [0.5], "popularity": 1.0}
        """;
    private static final String USERS = """
        {"user": "u1", "history": ["a"], "history_weights": [1.0], "items": ["b"], "scores": [0.9], "because": ["a"]}
        {"user": "u2", "history": ["b"], "history_weights": [1.0], "items": ["a"], "scores": [0.9], "because": ["b"]}
        """;
    private static final String POPULAR = "{\"popular\": [\"a\", \"b\"], \"scores\": [2.0, 1.0]}\n";

    public void testPartsInAnyOrderMakeOneImport() {
        ImportParts parts = new ImportParts();
        write(parts, 3, POPULAR);
        write(parts, 1, ITEMS);
        write(parts, 2, USERS);
        assertThat(parts.incomplete(null), nullValue());
        assertThat(parts.incomplete(3), nullValue());
        assertThat(parts.items(), equalTo(2L));
        assertThat(parts.users(), equalTo(2L));
        assertThat(parts.popular(), equalTo(1L));
        assertThat(
                parts.summaries(),
                equalTo(List.of(
                        new ImportParts.Summary(1, ImportParts.State.WRITTEN, 2, 2, 0, 0),
                        new ImportParts.Summary(2, ImportParts.State.WRITTEN, 2, 0, 2, 0),
                        new ImportParts.Summary(3, ImportParts.State.WRITTEN, 1, 0, 0, 1))));
    }

    public void testAPartSentAgainReplacesItsEarlierAttempt() {
        ImportParts parts = new ImportParts();
        write(parts, 1, ITEMS);
        write(parts, 2, USERS);
        // the client lost the answer to part 2 and sends it again, with one user fewer
        List<String> replaced = parts.begin(2);
        assertThat(replaced, equalTo(List.of(ModelDocuments.userDocId("u1"), ModelDocuments.userDocId("u2"))));
        parts.claim(2, ModelDocuments.userDocId("u2"), "user [u2]", 1);
        parts.written(2, 0, 1, 0);
        assertThat(parts.users(), equalTo(1L));
        // u1 is free again: another part may hold it now
        parts.begin(3);
        parts.claim(3, ModelDocuments.userDocId("u1"), "user [u1]", 4);
        parts.written(3, 0, 1, 0);
        // and what part 2 holds now is what it replaces next time
        assertThat(parts.begin(2), equalTo(List.of(ModelDocuments.userDocId("u2"))));
    }

    public void testAnIdInTwoPartsIsRefusedNamingBoth() {
        ImportParts parts = new ImportParts();
        write(parts, 1, USERS);
        IllegalArgumentException e = expectThrows(
                IllegalArgumentException.class,
                () -> write(parts, 2, POPULAR + USERS.substring(USERS.indexOf('\n') + 1)));
        assertThat(e.getMessage(), equalTo("line 2: user [u2] appears twice (first in part [1] at line 2)"));
        IllegalArgumentException twice =
                expectThrows(IllegalArgumentException.class, () -> write(parts, 4, ITEMS + ITEMS));
        assertThat(twice.getMessage(), equalTo("line 3: item [a] appears twice (first at line 1)"));
        // part 2 held the popular line before its bad line
        IllegalArgumentException popular = expectThrows(IllegalArgumentException.class, () -> write(parts, 5, POPULAR));
        assertThat(
                popular.getMessage(),
                equalTo("line 1: the [popular] line appears twice (first in part [2] at line 1)"));
    }

    public void testAnImportCompletesOnlyWithEveryPartWritten() {
        ImportParts parts = new ImportParts();
        assertThat(parts.incomplete(null), containsString("no part arrived"));
        write(parts, 1, ITEMS);
        write(parts, 4, USERS);
        assertThat(
                parts.incomplete(null),
                equalTo("parts [2, 3] have not arrived (parts 1 to 4 make the import): send them"));
        assertThat(
                parts.incomplete(5),
                equalTo("parts [2, 3, 5] have not arrived (parts 1 to 5 make the import): send them"));
        assertThat(
                parts.incomplete(3), containsString("part [4] arrived, but the import was completed with [parts] = 3"));
        write(parts, 2, POPULAR);
        parts.begin(3);
        assertTrue(parts.writing());
        assertThat(parts.incomplete(null), equalTo("part [3] is still being written"));
        IllegalStateException again = expectThrows(IllegalStateException.class, () -> parts.begin(3));
        assertThat(again.getMessage(), containsString("part [3] is being written"));
        parts.failed(3);
        assertFalse(parts.writing());
        assertThat(parts.incomplete(null), equalTo("part [3] failed to be written: send it again"));
        parts.begin(3);
        parts.written(3, 0, 0, 0);
        assertThat(parts.incomplete(null), nullValue());
    }

    public void testPartNumbersStartAtOne() {
        ImportParts parts = new ImportParts();
        assertThat(
                expectThrows(IllegalArgumentException.class, () -> parts.begin(0))
                        .getMessage(),
                equalTo("[part] must be from 1 to 1000000, got [0]"));
        expectThrows(IllegalArgumentException.class, () -> parts.begin(ImportParts.MAX_PART + 1));
    }

    public void testATakenOverSessionIsRebuiltFromWhatTheIndexHolds() {
        ImportParts parts = new ImportParts();
        // the index holds parts 1 and 2 whole, and 2 of part 3's documents (its node died while writing it)
        parts.restore(1, "item#a", 1);
        parts.restore(1, "user#u1", 2);
        parts.restore(2, "user#u2", 1);
        parts.restore(3, "user#u3", 1);
        parts.restore(3, "user#u4", 2);
        parts.restored(java.util.Map.of(
                1, new ImportSessionRecords.Written(1, 1, 0),
                2, new ImportSessionRecords.Written(0, 1, 0),
                // recorded written, but not whole in the index: to be sent again
                4, new ImportSessionRecords.Written(0, 1, 0)));
        assertThat(parts.items(), equalTo(1L));
        assertThat(parts.users(), equalTo(2L));
        assertThat(parts.incomplete(null), equalTo("part [3] failed to be written: send it again"));
        // an id written before the takeover is still refused in another part, naming where it was
        parts.begin(5);
        IllegalArgumentException twice =
                expectThrows(IllegalArgumentException.class, () -> parts.claim(5, "user#u1", "user [u1]", 7));
        assertThat(twice.getMessage(), equalTo("user [u1] appears twice (first in part [1] at line 2)"));
        parts.failed(5);
        // part 3 sent again releases what its unfinished attempt wrote, to be deleted first
        assertThat(parts.begin(3), equalTo(java.util.List.of("user#u3", "user#u4")));
        parts.claim(3, "user#u3", "user [u3]", 1);
        parts.written(3, 0, 1, 0);
        parts.begin(4);
        parts.written(4, 0, 0, 1);
        parts.begin(5);
        parts.written(5, 0, 0, 0);
        assertThat(parts.incomplete(null), nullValue());
    }
}
