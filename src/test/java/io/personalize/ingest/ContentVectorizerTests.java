package io.personalize.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ContentVectorizerTests {

    private static final Analyzer STANDARD = new StandardAnalyzer();
    private static final Analyzer ENGLISH = new EnglishAnalyzer();

    @AfterAll
    static void closeAnalyzers() {
        STANDARD.close();
        ENGLISH.close();
    }

    private static float[] vector(Analyzer analyzer, int dims, String... texts) {
        ContentVectorizer.Accumulator accumulator = new ContentVectorizer(analyzer, dims, 10_000).accumulator();
        accumulator.addField(List.of(texts), 1.0);
        return accumulator.toVector();
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    @Test
    void vectorIsUnitLength() {
        float[] v = vector(STANDARD, 256, "WHITE HANGING HEART T-LIGHT HOLDER");
        assertEquals(256, v.length);
        assertEquals(1.0, Math.sqrt(dot(v, v)), 1e-6);
    }

    @Test
    void sameInputGivesBitIdenticalVectors() {
        String text = "RED WOOLLY HOTTIE WHITE HEART.";
        float[] first = vector(ENGLISH, 128, text);
        // a fresh vectorizer and analyzer: nothing cached may change the result
        try (Analyzer other = new EnglishAnalyzer()) {
            float[] second = vector(other, 128, text);
            for (int i = 0; i < first.length; i++) {
                assertEquals(Float.floatToRawIntBits(first[i]), Float.floatToRawIntBits(second[i]), "dimension " + i);
            }
        }
    }

    @Test
    void similarProductsAreCloserThanUnrelatedOnes() {
        float[] holder = vector(ENGLISH, 256, "WHITE HANGING HEART T-LIGHT HOLDER");
        float[] redHolder = vector(ENGLISH, 256, "RED HANGING HEART T-LIGHT HOLDER");
        float[] lunchBag = vector(ENGLISH, 256, "LUNCH BAG RED RETROSPOT");
        assertTrue(dot(holder, redHolder) > 0.5, "near-duplicate titles share most features");
        assertTrue(dot(holder, redHolder) > dot(holder, lunchBag) + 0.3);
    }

    @Test
    void englishAnalyzerStemsAndDropsStopWords() {
        float[] plural = vector(ENGLISH, 512, "the holders of candles");
        float[] singular = vector(ENGLISH, 512, "holder candle");
        assertArrayEquals(singular, plural, "stemming and stop words make these the same features");
    }

    @Test
    void bigramsDistinguishWordOrder() {
        float[] a = vector(STANDARD, 4096, "heart holder", "red bag");
        float[] b = vector(STANDARD, 4096, "holder heart", "bag red");
        assertTrue(dot(a, b) < 0.99, "same unigrams, different bigrams");
        assertTrue(dot(a, b) > 0.4, "the unigrams still match");
    }

    @Test
    void sublinearTermFrequency() {
        // tf 4 weighs 1 + ln 4 (about 2.39), not 4: repeating a word cannot dominate the vector
        ContentVectorizer vectorizer = new ContentVectorizer(STANDARD, 4096, 10_000);
        ContentVectorizer.Accumulator repeated = vectorizer.accumulator();
        repeated.addField(List.of("gift gift gift gift", "box"), 1.0);
        float[] v = repeated.toVector();
        float[] gift = vector(STANDARD, 4096, "gift");
        float[] box = vector(STANDARD, 4096, "box");
        double ratio = dot(v, gift) / dot(v, box);
        assertEquals(1 + Math.log(4), ratio, 1e-4);
    }

    @Test
    void fieldWeightsScaleTheirFeatures() {
        ContentVectorizer vectorizer = new ContentVectorizer(STANDARD, 4096, 10_000);
        ContentVectorizer.Accumulator accumulator = vectorizer.accumulator();
        accumulator.addField(List.of("lantern"), 3.0);
        accumulator.addField(List.of("metal"), 1.0);
        float[] v = accumulator.toVector();
        double ratio = dot(v, vector(STANDARD, 4096, "lantern")) / dot(v, vector(STANDARD, 4096, "metal"));
        assertEquals(3.0, ratio, 1e-4);
    }

    @Test
    void noTextGivesNoVector() {
        assertNull(vector(ENGLISH, 64, ""));
        assertNull(vector(ENGLISH, 64, "the and of", "   "), "only stop words");
        assertNull(new ContentVectorizer(ENGLISH, 64, 10).accumulator().toVector(), "no field at all");
    }

    @Test
    void neverAllZerosEvenWhenSignedFeaturesCancel() {
        // With 8 dimensions, two one-word fields often land in the same bucket with opposite signs. Find such a pair
        // from the one-hot vectors of single words, then check the combined vector is still a unit vector.
        int dims = 8;
        for (int i = 0; i < 200; i++) {
            float[] a = vector(STANDARD, dims, "w" + i);
            for (int j = i + 1; j < 200; j++) {
                float[] b = vector(STANDARD, dims, "w" + j);
                if (dot(a, b) == -1.0) {
                    ContentVectorizer.Accumulator accumulator = new ContentVectorizer(STANDARD, dims, 10).accumulator();
                    accumulator.addField(List.of("w" + i), 1.0);
                    accumulator.addField(List.of("w" + j), 1.0);
                    float[] v = accumulator.toVector();
                    assertNotNull(v);
                    assertEquals(1.0, Math.sqrt(dot(v, v)), 1e-6);
                    return;
                }
            }
        }
        fail("no cancelling pair found among 200 words: the hashing changed");
    }

    @Test
    void unrelatedTextsScoreLikeAnIdealSignedHash() {
        // Texts without a word in common meet only through hash collisions. With an ideal signed hash their cosines
        // have
        // mean 0 (a collision is as often opposite-signed as same-signed) and root mean square 1/sqrt(dims), whatever
        // the
        // number of features: bucket and sign must come from independent, uniform hash bits. (This noise is why short
        // titles at 256 dims get unrelated neighbours at cosines of 0.25 to 0.5: see bin/bench content.)
        for (int dims : new int[] {256, 1024}) {
            int texts = 300;
            float[][] vectors = new float[texts][];
            for (int t = 0; t < texts; t++) {
                vectors[t] = vector(
                        STANDARD, dims, "w" + t + "a w" + t + "b w" + t + "c w" + t + "d"); // 4 tokens + 3 bigrams
            }
            double sum = 0, sumSquares = 0;
            int pairs = 0;
            for (int a = 0; a < texts; a++) {
                for (int b = a + 1; b < texts; b++) {
                    double cos = dot(vectors[a], vectors[b]);
                    sum += cos;
                    sumSquares += cos * cos;
                    pairs++;
                }
            }
            double ideal = 1 / Math.sqrt(dims);
            assertEquals(0, sum / pairs, ideal / 10, "mean cosine of unrelated texts at " + dims + " dims");
            assertEquals(
                    ideal,
                    Math.sqrt(sumSquares / pairs),
                    ideal / 10,
                    "RMS cosine of unrelated texts at " + dims + " dims");
        }
    }

    @Test
    void hugeTextIsCappedAtMaxTokens() {
        String huge = "lantern ".repeat(150_000) + "zebra"; // 1.2 MB
        ContentVectorizer.Accumulator accumulator = new ContentVectorizer(STANDARD, 256, 10_000).accumulator();
        accumulator.addField(List.of(huge, "second value"), 1.0);
        assertArrayEquals(
                vector(STANDARD, 256, "lantern ".repeat(10_000)),
                accumulator.toVector(),
                "only the field's first 10,000 tokens count: zebra and the second value are never read");
    }

    @Test
    void dimsOutOfRangeAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new ContentVectorizer(STANDARD, 7, 10));
        assertThrows(IllegalArgumentException.class, () -> new ContentVectorizer(STANDARD, 4097, 10));
    }
}
