package io.personalize.embed;

import java.io.IOException;
import java.io.InputStream;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.json.JsonXContent;

/**
 * The BERT tokenizer of a Hugging Face {@code tokenizer.json} (a {@code WordPiece} model with a {@code BertNormalizer}
 * and a {@code BertPreTokenizer}), as the {@code tokenizers} library runs it for one sequence:
 * <ol>
 *   <li>normalize: drop control characters and U+FFFD, turn white space into spaces, put spaces around CJK ideographs,
 *       lower-case and strip accents (NFD without non-spacing marks) when the file asks for it;</li>
 *   <li>pre-tokenize: split on white space, and make every punctuation character a word of its own;</li>
 *   <li>WordPiece: greedy longest match against the vocabulary, continuations prefixed {@code ##}; a word that no
 *       sequence of pieces covers, or longer than {@code max_input_chars_per_word}, becomes {@code [UNK]};</li>
 *   <li>{@code [CLS]} before and {@code [SEP]} after, the pieces truncated so that the whole fits
 *       {@code truncation.max_length} (the model's limit: the rest of a long text is not read).</li>
 * </ol>
 * Written here rather than taken from the {@code tokenizers} library (through DJL) because that brings a second native
 * library extracted to a cache directory of its own; this is one small class with no native code. Checked against the
 * library's ids in {@code WordPieceTokenizerTests}.
 */
public final class WordPieceTokenizer {

    /** The length a tokenizer file without a truncation section gets: BERT's position embeddings. */
    public static final int DEFAULT_MAX_LENGTH = 512;

    private final Map<String, Integer> vocab;
    private final boolean lowercase;
    private final boolean stripAccents;
    private final boolean cleanText;
    private final boolean chineseChars;
    private final int maxCharsPerWord;
    private final String prefix;
    private final int cls;
    private final int sep;
    private final int unk;
    private final int maxLength;

    WordPieceTokenizer(
            Map<String, Integer> vocab,
            boolean lowercase,
            boolean stripAccents,
            boolean cleanText,
            boolean chineseChars,
            int maxCharsPerWord,
            String prefix,
            String unkToken,
            int maxLength) {
        this.vocab = vocab;
        this.lowercase = lowercase;
        this.stripAccents = stripAccents;
        this.cleanText = cleanText;
        this.chineseChars = chineseChars;
        this.maxCharsPerWord = maxCharsPerWord;
        this.prefix = prefix;
        this.cls = id(vocab, "[CLS]");
        this.sep = id(vocab, "[SEP]");
        this.unk = id(vocab, unkToken);
        if (maxLength < 3) {
            throw new IllegalArgumentException("truncation max_length must be at least 3, got [" + maxLength + "]");
        }
        this.maxLength = maxLength;
    }

    private static int id(Map<String, Integer> vocab, String token) {
        Integer id = vocab.get(token);
        if (id == null) {
            throw new IllegalArgumentException("the vocabulary has no [" + token + "] token");
        }
        return id;
    }

    /** Reads a Hugging Face {@code tokenizer.json}; {@code IllegalArgumentException} names what it cannot use. */
    @SuppressWarnings("unchecked")
    public static WordPieceTokenizer fromJson(InputStream in) throws IOException {
        Map<String, Object> json;
        try (XContentParser parser = JsonXContent.jsonXContent.createParser(XContentParserConfiguration.EMPTY, in)) {
            json = parser.map();
        }
        Map<String, Object> model = (Map<String, Object>) json.get("model");
        if (model == null || "WordPiece".equals(model.get("type")) == false) {
            throw new IllegalArgumentException(
                    "only WordPiece (BERT-style) tokenizers are supported, found model type ["
                            + (model == null ? null : model.get("type")) + "]");
        }
        Map<String, Object> normalizer = (Map<String, Object>) json.get("normalizer");
        if (normalizer != null && "BertNormalizer".equals(normalizer.get("type")) == false) {
            throw new IllegalArgumentException(
                    "only the BertNormalizer is supported, found [" + normalizer.get("type") + "]");
        }
        Map<String, Object> preTokenizer = (Map<String, Object>) json.get("pre_tokenizer");
        if (preTokenizer != null && "BertPreTokenizer".equals(preTokenizer.get("type")) == false) {
            throw new IllegalArgumentException(
                    "only the BertPreTokenizer is supported, found [" + preTokenizer.get("type") + "]");
        }
        Map<String, Object> rawVocab = (Map<String, Object>) model.get("vocab");
        if (rawVocab == null || rawVocab.isEmpty()) {
            throw new IllegalArgumentException("the tokenizer has no vocabulary");
        }
        Map<String, Integer> vocab = new HashMap<>(rawVocab.size() * 2);
        rawVocab.forEach((token, id) -> vocab.put(token, ((Number) id).intValue()));
        boolean lowercase = normalizer == null || bool(normalizer.get("lowercase"), true);
        // strip_accents null means "as lowercase", as in the library
        boolean stripAccents = normalizer == null || bool(normalizer.get("strip_accents"), lowercase);
        boolean cleanText = normalizer == null || bool(normalizer.get("clean_text"), true);
        boolean chineseChars = normalizer == null || bool(normalizer.get("handle_chinese_chars"), true);
        Map<String, Object> truncation = (Map<String, Object>) json.get("truncation");
        int maxLength = truncation != null && truncation.get("max_length") instanceof Number n
                ? n.intValue()
                : DEFAULT_MAX_LENGTH;
        return new WordPieceTokenizer(
                vocab,
                lowercase,
                stripAccents,
                cleanText,
                chineseChars,
                model.get("max_input_chars_per_word") instanceof Number n ? n.intValue() : 100,
                model.get("continuing_subword_prefix") instanceof String p ? p : "##",
                model.get("unk_token") instanceof String u ? u : "[UNK]",
                maxLength);
    }

    private static boolean bool(Object value, boolean ifNull) {
        return value == null ? ifNull : (Boolean) value;
    }

    /** The most ids {@link #encode} returns, {@code [CLS]} and {@code [SEP]} included. */
    public int maxLength() {
        return maxLength;
    }

    /** {@code [CLS]}, the text's word pieces (as many as fit), {@code [SEP]}. */
    public int[] encode(String text) {
        int[] ids = new int[maxLength];
        int count = 0;
        ids[count++] = cls;
        int limit = maxLength - 1;
        String normalized = normalize(text);
        int length = normalized.length();
        int start = -1;
        for (int i = 0; i < length && count < limit; ) {
            int cp = normalized.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (cp == ' ') {
                if (start >= 0) {
                    count = wordPieces(normalized.substring(start, i), ids, count, limit);
                    start = -1;
                }
            } else if (isPunctuation(cp)) {
                if (start >= 0) {
                    count = wordPieces(normalized.substring(start, i), ids, count, limit);
                    start = -1;
                }
                if (count < limit) {
                    count = wordPieces(normalized.substring(i, next), ids, count, limit);
                }
            } else if (start < 0) {
                start = i;
            }
            i = next;
        }
        if (start >= 0 && count < limit) {
            count = wordPieces(normalized.substring(start), ids, count, limit);
        }
        ids[count++] = sep;
        return Arrays.copyOf(ids, count);
    }

    private int wordPieces(String word, int[] ids, int count, int limit) {
        int chars = word.codePointCount(0, word.length());
        if (chars > maxCharsPerWord) {
            ids[count++] = unk;
            return count;
        }
        // the pieces of one word go in whole or become [UNK] whole, as in the library: collect them first
        int[] pieces = new int[chars];
        int found = 0;
        int start = 0;
        while (start < word.length()) {
            int end = word.length();
            Integer piece = null;
            while (end > start) {
                String candidate = start == 0 ? word.substring(start, end) : prefix + word.substring(start, end);
                piece = vocab.get(candidate);
                if (piece != null) {
                    break;
                }
                end = word.offsetByCodePoints(end, -1);
            }
            if (piece == null) {
                ids[count++] = unk;
                return count;
            }
            pieces[found++] = piece;
            start = end;
        }
        // truncation cuts word pieces, not words, as the library's LongestFirst strategy does for one sequence
        for (int i = 0; i < found && count < limit; i++) {
            ids[count++] = pieces[i];
        }
        return count;
    }

    String normalize(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cleanText) {
                if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                    continue;
                }
                if (isWhitespace(cp)) {
                    out.append(' ');
                    continue;
                }
            }
            if (chineseChars && isChinese(cp)) {
                out.append(' ').appendCodePoint(cp).append(' ');
            } else {
                out.appendCodePoint(cp);
            }
        }
        String result = out.toString();
        if (stripAccents) {
            result = Normalizer.normalize(result, Normalizer.Form.NFD);
            StringBuilder stripped = new StringBuilder(result.length());
            for (int i = 0; i < result.length(); ) {
                int cp = result.codePointAt(i);
                i += Character.charCount(cp);
                if (Character.getType(cp) != Character.NON_SPACING_MARK) {
                    stripped.appendCodePoint(cp);
                }
            }
            result = stripped.toString();
        }
        if (lowercase) {
            result = result.toLowerCase(Locale.ROOT);
        }
        // white space of other kinds than ' ' (when clean_text is off) still separates words
        return cleanText ? result : result.replaceAll("\\s", " ");
    }

    private static boolean isWhitespace(int cp) {
        return cp == ' '
                || cp == '\t'
                || cp == '\n'
                || cp == '\r'
                || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    private static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int type = Character.getType(cp);
        return type == Character.CONTROL
                || type == Character.FORMAT
                || type == Character.PRIVATE_USE
                || type == Character.UNASSIGNED
                || type == Character.SURROGATE;
    }

    private static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION,
                    Character.DASH_PUNCTUATION,
                    Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION,
                    Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION,
                    Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    private static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF)
                || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
