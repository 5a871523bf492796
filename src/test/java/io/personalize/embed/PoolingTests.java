package io.personalize.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** sentence-transformers' 1_Pooling/config.json as a brought model's directory gives it. */
class PoolingTests {

    private static Pooling.Config parse(String json) {
        return Pooling.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theFilesOfSentenceTransformersModelsAreRead() {
        // BAAI/bge-small-en-v1.5's file, as its repository ships it
        assertEquals(new Pooling.Config(Pooling.CLS, 384), parse("""
            {"word_embedding_dimension": 384, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false,
             "pooling_mode_max_tokens": false, "pooling_mode_mean_sqrt_len_tokens": false}"""));
        // sentence-transformers 3's longer form (all-MiniLM-L6-v2 as saved today)
        assertEquals(new Pooling.Config(Pooling.MEAN, 384), parse("""
            {"word_embedding_dimension": 384, "pooling_mode_cls_token": false, "pooling_mode_mean_tokens": true,
             "pooling_mode_max_tokens": false, "pooling_mode_mean_sqrt_len_tokens": false,
             "pooling_mode_weightedmean_tokens": false, "pooling_mode_lasttoken": false, "include_prompt": true}"""));
        assertEquals(new Pooling.Config(Pooling.CLS, 0), parse("{\"pooling_mode_cls_token\": true}"));
    }

    @Test
    void whatIsNotServedIsRefusedNamingIt() {
        assertRefused("{\"pooling_mode_max_tokens\": true}", "[pooling_mode_max_tokens] is not supported");
        assertRefused("{\"pooling_mode_lasttoken\": true}", "[pooling_mode_lasttoken] is not supported");
        assertRefused(
                "{\"pooling_mode_cls_token\": true, \"pooling_mode_mean_tokens\": true}",
                "both [pooling_mode_cls_token] and [pooling_mode_mean_tokens] are true");
        assertRefused("{\"pooling_mode_cls_token\": false}", "no pooling mode is true");
        assertRefused("{}", "no pooling mode is true");
        assertRefused("{\"pooling_mode_cls\": true}", "unknown key [pooling_mode_cls]");
        assertRefused("{\"pooling_mode_cls_token\": \"yes\"}", "[pooling_mode_cls_token] must be true or false");
        assertRefused(
                "{\"pooling_mode_cls_token\": true, \"word_embedding_dimension\": -1}",
                "[word_embedding_dimension] must be a positive integer");
        assertRefused(
                "{\"pooling_mode_cls_token\": true, \"word_embedding_dimension\": 3.5}",
                "[word_embedding_dimension] must be a positive integer");
        assertRefused("cls", "is not a JSON object");
    }

    private static void assertRefused(String json, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(json));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith(Pooling.FILE), e.getMessage());
    }
}
