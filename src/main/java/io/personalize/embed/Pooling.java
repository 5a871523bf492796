package io.personalize.embed;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.json.JsonXContent;

/**
 * How a model's token vectors become one sentence vector: the mean over the text's tokens (sentence-transformers'
 * default, MiniLM and E5) or the first token's, {@code [CLS]} (BGE). A brought model says which in sentence-transformers'
 * own file, {@value #FILE} of its directory (the file the model's Hugging Face repository ships, so it can be copied
 * as it is); without the file, the mean. Only the two modes are served; any other, several at once (which
 * sentence-transformers concatenates), none, an unknown key or a size other than the model's is refused, naming it.
 */
public enum Pooling {
    MEAN("pooling_mode_mean_tokens"),
    CLS("pooling_mode_cls_token");

    /** Where a brought model's directory holds it, as in a sentence-transformers model directory. */
    public static final String FILE = "1_Pooling/config.json";

    private static final String DIMENSION = "word_embedding_dimension";
    private static final String INCLUDE_PROMPT = "include_prompt";
    private static final List<String> UNSERVED_MODES = List.of(
            "pooling_mode_max_tokens",
            "pooling_mode_mean_sqrt_len_tokens",
            "pooling_mode_weightedmean_tokens",
            "pooling_mode_lasttoken");

    private final String key;

    Pooling(String key) {
        this.key = key;
    }

    /** The sentence-transformers key that chooses this pooling. */
    public String key() {
        return key;
    }

    /** A model's pooling as its {@value #FILE} says, and the token vectors' size it names (0 when it names none). */
    public record Config(Pooling pooling, int dims) {}

    /** Reads {@value #FILE}; an {@code IllegalArgumentException} names the file and what is wrong. */
    static Config parse(byte[] json) {
        Map<String, Object> map;
        try (XContentParser parser = JsonXContent.jsonXContent.createParser(XContentParserConfiguration.EMPTY, json)) {
            map = parser.map();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(FILE + " is not a JSON object: " + e.getMessage(), e);
        }
        Pooling chosen = null;
        int dims = 0;
        for (Map.Entry<String, Object> entry : map.entrySet()) {
            String name = entry.getKey();
            Object value = entry.getValue();
            if (DIMENSION.equals(name)) {
                if ((value instanceof Integer || value instanceof Long) == false || ((Number) value).longValue() <= 0) {
                    throw new IllegalArgumentException(
                            FILE + ": [" + DIMENSION + "] must be a positive integer, got [" + value + "]");
                }
                dims = ((Number) value).intValue();
                continue;
            }
            boolean known = INCLUDE_PROMPT.equals(name) || UNSERVED_MODES.contains(name);
            Pooling mode = null;
            for (Pooling p : values()) {
                if (p.key.equals(name)) {
                    mode = p;
                    known = true;
                }
            }
            if (known == false) {
                throw new IllegalArgumentException(FILE + ": unknown key [" + name + "]");
            }
            if ((value instanceof Boolean) == false) {
                throw new IllegalArgumentException(
                        FILE + ": [" + name + "] must be true or false, got [" + value + "]");
            }
            if (INCLUDE_PROMPT.equals(name) || (Boolean) value == false) {
                // include_prompt matters only to models given a prompt by sentence-transformers; the processor adds
                // none
                continue;
            }
            if (mode == null) {
                throw new IllegalArgumentException(
                        FILE + ": [" + name + "] is not supported, set [" + CLS.key + "] or [" + MEAN.key + "]");
            }
            if (chosen != null) {
                throw new IllegalArgumentException(
                        FILE + ": both [" + chosen.key + "] and [" + name + "] are true, set one of them");
            }
            chosen = mode;
        }
        if (chosen == null) {
            throw new IllegalArgumentException(
                    FILE + ": no pooling mode is true, set [" + CLS.key + "] or [" + MEAN.key + "]");
        }
        return new Config(chosen, dims);
    }
}
