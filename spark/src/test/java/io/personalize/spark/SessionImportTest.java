package io.personalize.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parts a model's file is sent in: each at most the bound, cut at line ends, together the whole file. */
class SessionImportTest {

    @TempDir
    Path dir;

    private List<long[]> ranges(String content, long max) throws Exception {
        Path file = dir.resolve("lines.ndjson");
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return SessionImport.ranges(file, max);
    }

    @Test
    void partsAreCutAtLineEndsWithinTheBound() throws Exception {
        // lines of 10 bytes (9 + newline): 25 bytes hold two of them
        String lines = "aaaaaaaaa\nbbbbbbbbb\nccccccccc\nddddddddd\neeeeeeeee\n";
        List<long[]> parts = ranges(lines, 25);
        assertEquals(3, parts.size());
        assertArrayEquals(new long[] {0, 20}, parts.get(0));
        assertArrayEquals(new long[] {20, 40}, parts.get(1));
        assertArrayEquals(new long[] {40, 50}, parts.get(2));
    }

    @Test
    void aFileThatFitsIsOnePartAndTheLastLineNeedsNoNewline() throws Exception {
        assertEquals(1, ranges("aaaa\nbbbb\n", 100).size());
        List<long[]> parts = ranges("aaaaaaaaa\nbbbbbbbbb\nccc", 20);
        assertEquals(2, parts.size());
        assertArrayEquals(new long[] {0, 20}, parts.get(0));
        assertArrayEquals(new long[] {20, 23}, parts.get(1));
    }

    @Test
    void aLineLongerThanTheBoundIsAPartOfItsOwn() throws Exception {
        List<long[]> parts = ranges("a\n" + "b".repeat(30) + "\nc\n", 10);
        assertEquals(3, parts.size());
        assertArrayEquals(new long[] {0, 2}, parts.get(0));
        assertArrayEquals(new long[] {2, 33}, parts.get(1));
        assertArrayEquals(new long[] {33, 35}, parts.get(2));
    }
}
