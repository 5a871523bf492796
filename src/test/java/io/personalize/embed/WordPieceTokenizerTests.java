package io.personalize.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WordPieceTokenizerTests {

    private static WordPieceTokenizer tokenizer;
    private static List<EmbeddingReference> reference;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in =
                WordPieceTokenizer.class.getClassLoader().getResourceAsStream("all-minilm-l6-v2-q-tokenizer.json")) {
            tokenizer = WordPieceTokenizer.fromJson(in);
        }
        reference = EmbeddingReference.load();
    }

    @Test
    void idsAreTheTokenizersLibrarys() {
        assertEquals(15, reference.size());
        for (EmbeddingReference c : reference) {
            assertArrayEquals(c.ids(), tokenizer.encode(c.text()), "ids of [" + c.text() + "]");
        }
    }

    @Test
    void longTextIsTruncatedAtTheModelsLimit() {
        assertEquals(128, tokenizer.maxLength(), "the tokenizer.json's truncation.max_length");
        int[] ids = tokenizer.encode("hand painted ceramic watering can ".repeat(1000));
        assertEquals(128, ids.length);
        assertEquals(101, ids[0], "[CLS] first");
        assertEquals(102, ids[127], "[SEP] last, after truncation");
    }

    @Test
    void hugeTextCostsNoMoreThanTheLimit() {
        // a megabyte without white space is one word longer than max_input_chars_per_word: one [UNK]
        int[] ids = tokenizer.encode("x".repeat(1 << 20));
        assertArrayEquals(new int[] {101, 100, 102}, ids);
    }

    @Test
    void otherTokenizerModelsAreRefusedByName() {
        String unigram = """
            {"model": {"type": "Unigram", "vocab": [["a", 0.0]]}}""";
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> WordPieceTokenizer.fromJson(new ByteArrayInputStream(unigram.getBytes(StandardCharsets.UTF_8))));
        assertTrue(e.getMessage().contains("only WordPiece"), e.getMessage());
        assertTrue(e.getMessage().contains("Unigram"), e.getMessage());
    }

    @Test
    void vocabularyWithoutSpecialTokensIsRefused() {
        String json = """
            {"model": {"type": "WordPiece", "vocab": {"a": 0, "[UNK]": 1}}}""";
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> WordPieceTokenizer.fromJson(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8))));
        assertTrue(e.getMessage().contains("[CLS]"), e.getMessage());
    }
}
