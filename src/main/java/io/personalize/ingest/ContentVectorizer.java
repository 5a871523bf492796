package io.personalize.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.TermToBytesRefAttribute;
import org.apache.lucene.util.ArrayUtil;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.BytesRefBuilder;
import org.apache.lucene.util.StringHelper;

/**
 * Turns product text into a fixed-size, L2-normalised content vector.
 * <p>
 * Each field's text goes through a Lucene analyzer; every token (unigram) and every pair of adjacent tokens (bigram)
 * is a feature. A feature's weight is {@code fieldWeight * (1 + ln tf)} (sublinear term frequency within the field),
 * and it is signed-feature-hashed into {@code dims} buckets with MurmurHash3: the hash's low 31 bits pick the bucket,
 * its sign bit the sign, so collisions cancel out on average instead of piling up.
 * <p>
 * The result is bit-identical for the same input on every JVM: features are accumulated in sorted hash order, in
 * doubles, with {@link StrictMath}.
 */
public final class ContentVectorizer {

    public static final int MIN_DIMS = 8;
    // dense_vector's own limit for indexed vectors
    public static final int MAX_DIMS = 4096;

    private static final int UNIGRAM_SEED = 0x5eed_0001;
    private static final int BIGRAM_SEED = 0x5eed_0002;
    private static final byte BIGRAM_SEPARATOR = ' ';
    // Analyzers only see one field at a time; the name matters only to per-field analyzers, which we do not use.
    private static final String FIELD = "content";

    private final Analyzer analyzer;
    private final int dims;
    private final int maxTokensPerField;

    public ContentVectorizer(Analyzer analyzer, int dims, int maxTokensPerField) {
        if (dims < MIN_DIMS || dims > MAX_DIMS) {
            throw new IllegalArgumentException(
                    "dims must be between " + MIN_DIMS + " and " + MAX_DIMS + ", got [" + dims + "]");
        }
        if (maxTokensPerField < 1) {
            throw new IllegalArgumentException("max_tokens must be positive, got [" + maxTokensPerField + "]");
        }
        this.analyzer = analyzer;
        this.dims = dims;
        this.maxTokensPerField = maxTokensPerField;
    }

    public int dims() {
        return dims;
    }

    /** A new vector under construction; not thread-safe, one per document. */
    public Accumulator accumulator() {
        return new Accumulator();
    }

    /** Collects the features of one document's fields, then {@link #toVector()} produces the vector. */
    public final class Accumulator {
        private final double[] signed = new double[dims];
        // Used only when signed hashing cancels every feature out (possible with very few features and small dims):
        // the vector must never be all zeros, which cosine similarity rejects.
        private final double[] unsigned = new double[dims];
        private int[] hashes = new int[64];
        private final BytesRefBuilder previous = new BytesRefBuilder();
        private final BytesRefBuilder bigram = new BytesRefBuilder();
        private boolean hasFeatures;

        private Accumulator() {}

        /**
         * Adds one field's values with the field's weight; at most {@code maxTokensPerField} tokens are read across
         * its values, which bounds time and memory for huge descriptions.
         */
        public void addField(Iterable<String> values, double weight) {
            int count = 0;
            int tokens = 0;
            for (String value : values) {
                if (tokens >= maxTokensPerField) {
                    break;
                }
                try (TokenStream stream = analyzer.tokenStream(FIELD, value)) {
                    TermToBytesRefAttribute term = stream.addAttribute(TermToBytesRefAttribute.class);
                    stream.reset();
                    boolean hasPrevious = false;
                    while (tokens < maxTokensPerField && stream.incrementToken()) {
                        tokens++;
                        BytesRef bytes = term.getBytesRef();
                        hashes = ArrayUtil.grow(hashes, count + 2);
                        hashes[count++] = StringHelper.murmurhash3_x86_32(bytes, UNIGRAM_SEED);
                        if (hasPrevious) {
                            bigram.copyBytes(previous);
                            bigram.append(BIGRAM_SEPARATOR);
                            bigram.append(bytes);
                            hashes[count++] = StringHelper.murmurhash3_x86_32(bigram.get(), BIGRAM_SEED);
                        }
                        previous.copyBytes(bytes);
                        hasPrevious = true;
                    }
                    stream.end();
                } catch (IOException e) {
                    // analyzers read from an in-memory string: this cannot happen
                    throw new UncheckedIOException(e);
                }
            }
            addFeatures(count, weight);
        }

        private void addFeatures(int count, double weight) {
            Arrays.sort(hashes, 0, count);
            for (int start = 0; start < count; ) {
                int hash = hashes[start];
                int end = start + 1;
                while (end < count && hashes[end] == hash) {
                    end++;
                }
                double featureWeight = weight * (1.0 + StrictMath.log(end - start));
                int bucket = (hash & 0x7fffffff) % dims;
                signed[bucket] += hash < 0 ? -featureWeight : featureWeight;
                unsigned[bucket] += featureWeight;
                hasFeatures = true;
                start = end;
            }
        }

        /** The L2-normalised vector, or {@code null} when the fields produced no feature at all. */
        public float[] toVector() {
            if (hasFeatures == false) {
                return null;
            }
            double[] source = signed;
            double norm = norm(signed);
            if (norm == 0) {
                source = unsigned;
                norm = norm(unsigned);
            }
            float[] vector = new float[dims];
            for (int i = 0; i < dims; i++) {
                vector[i] = (float) (source[i] / norm);
            }
            return vector;
        }

        private static double norm(double[] values) {
            double sum = 0;
            for (double v : values) {
                sum += v * v;
            }
            return StrictMath.sqrt(sum);
        }
    }
}
