package io.personalize.embed;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.Closeable;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A sentence-transformer in ONNX form: texts in, L2-normalised sentence vectors out, as sentence-transformers computes
 * them: the tokenizer's ids, the transformer's last hidden state, the mean of the token vectors under the attention
 * mask (padding excluded), or the first token's vector ({@code [CLS]}) for a model that says {@link Pooling#CLS},
 * divided by its L2 norm. A model whose output is already pooled (2-D) is only normalised.
 * <p>
 * A model may be given a prefix that every text gets before it is tokenized (e5's {@code "query: "}: E5 was trained
 * with one on every text, and gives worse vectors without it). A batch is padded to its longest text. The session is
 * thread-safe; each call runs on ONNX Runtime's caller thread only (one intra-op thread), so the node's
 * {@code personalize_embed} pool is what bounds the CPU it takes.
 */
public final class SentenceEmbedder implements Closeable {

    private final String name;
    private final String prefix;
    private final WordPieceTokenizer tokenizer;
    private final OrtSession session;
    private final boolean tokenTypes;
    private final String output;
    private final boolean pooled;
    private final Pooling pooling;
    private final int dims;

    private SentenceEmbedder(
            String name, String prefix, WordPieceTokenizer tokenizer, OrtSession session, Pooling.Config pooling)
            throws OrtException {
        this.name = name;
        this.prefix = prefix;
        this.pooling = pooling.pooling();
        this.tokenizer = tokenizer;
        this.session = session;
        Map<String, NodeInfo> inputs = session.getInputInfo();
        for (String required : List.of("input_ids", "attention_mask")) {
            if (inputs.containsKey(required) == false) {
                throw new IllegalArgumentException(
                        "the ONNX model has no [" + required + "] input, found " + inputs.keySet());
            }
        }
        this.tokenTypes = inputs.containsKey("token_type_ids");
        Map<String, NodeInfo> outputs = session.getOutputInfo();
        String chosen = outputs.containsKey("last_hidden_state")
                ? "last_hidden_state"
                : outputs.keySet().iterator().next();
        if ((outputs.get(chosen).getInfo() instanceof TensorInfo) == false) {
            throw new IllegalArgumentException("the ONNX model's output [" + chosen + "] is not a tensor");
        }
        long[] shape = ((TensorInfo) outputs.get(chosen).getInfo()).getShape();
        if ((shape.length != 3 && shape.length != 2) || shape[shape.length - 1] <= 0) {
            throw new IllegalArgumentException("the ONNX model's output [" + chosen + "] has shape "
                    + java.util.Arrays.toString(shape) + ", expected [batch, tokens, dims] or [batch, dims]");
        }
        this.output = chosen;
        this.pooled = shape.length == 2;
        this.dims = (int) shape[shape.length - 1];
        if (pooling.dims() != 0 && pooling.dims() != dims) {
            throw new IllegalArgumentException(Pooling.FILE + ": [word_embedding_dimension] is [" + pooling.dims()
                    + "] but the ONNX model's output [" + chosen + "] has [" + dims + "]");
        }
    }

    /** Opens the ONNX model; the caller closes the result. */
    static SentenceEmbedder open(
            String name, String prefix, byte[] onnx, WordPieceTokenizer tokenizer, Pooling.Config pooling)
            throws OrtException {
        OrtEnvironment env = OrtRuntime.environment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            // parallelism comes from the node's pool (one document batch per thread), not from threads of ONNX Runtime
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            OrtSession session = env.createSession(onnx, options);
            try {
                return new SentenceEmbedder(name, prefix, tokenizer, session, pooling);
            } catch (RuntimeException e) {
                session.close();
                throw e;
            }
        }
    }

    public String name() {
        return name;
    }

    public int dims() {
        return dims;
    }

    /** What every text gets before it is tokenized ("" for most models). */
    public String prefix() {
        return prefix;
    }

    /**
     * The most word pieces of a text the model reads, [CLS] and [SEP] (and the prefix) included; the rest is truncated.
     */
    public int maxTokens() {
        return tokenizer.maxLength();
    }

    public WordPieceTokenizer tokenizer() {
        return tokenizer;
    }

    /** How token vectors become the sentence's (not used when the ONNX output is already pooled). */
    public Pooling pooling() {
        return pooling;
    }

    /** One L2-normalised vector per text, in order. */
    public float[][] embed(List<String> texts) throws OrtException {
        int batch = texts.size();
        int[][] ids = new int[batch][];
        int length = 0;
        for (int i = 0; i < batch; i++) {
            ids[i] = tokenizer.encode(prefix + texts.get(i));
            length = Math.max(length, ids[i].length);
        }
        long[] inputIds = new long[batch * length];
        long[] mask = new long[batch * length];
        for (int i = 0; i < batch; i++) {
            for (int t = 0; t < ids[i].length; t++) {
                inputIds[i * length + t] = ids[i][t];
                mask[i * length + t] = 1;
            }
        }
        OrtEnvironment env = OrtRuntime.environment();
        long[] shape = {batch, length};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(inputIds), shape));
            inputs.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
            if (tokenTypes) {
                inputs.put(
                        "token_type_ids",
                        OnnxTensor.createTensor(env, LongBuffer.wrap(new long[batch * length]), shape));
            }
            try (OrtSession.Result result = session.run(inputs, java.util.Set.of(output))) {
                FloatBuffer hidden = ((OnnxTensor) result.get(0)).getFloatBuffer();
                if (pooled) {
                    return normalizeRows(hidden, batch, dims);
                }
                return pooling == Pooling.CLS
                        ? normalizeRows(hidden, batch, length * dims)
                        : meanPool(hidden, ids, batch, length);
            }
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    /** Mean of each text's token vectors over its real tokens (the attention mask), then L2-normalised. */
    private float[][] meanPool(FloatBuffer hidden, int[][] ids, int batch, int length) {
        float[][] vectors = new float[batch][dims];
        double[] sum = new double[dims];
        for (int i = 0; i < batch; i++) {
            java.util.Arrays.fill(sum, 0);
            int tokens = ids[i].length;
            for (int t = 0; t < tokens; t++) {
                int base = (i * length + t) * dims;
                for (int d = 0; d < dims; d++) {
                    sum[d] += hidden.get(base + d);
                }
            }
            for (int d = 0; d < dims; d++) {
                sum[d] /= tokens;
            }
            normalize(sum, vectors[i]);
        }
        return vectors;
    }

    /**
     * The first {@code dims} floats of each text's {@code stride} floats, L2-normalised: an already pooled output
     * (stride {@code dims}), or the {@code [CLS]} token's vector of the last hidden state (stride tokens × dims).
     */
    private float[][] normalizeRows(FloatBuffer output, int batch, int stride) {
        float[][] vectors = new float[batch][dims];
        double[] row = new double[dims];
        for (int i = 0; i < batch; i++) {
            for (int d = 0; d < dims; d++) {
                row[d] = output.get(i * stride + d);
            }
            normalize(row, vectors[i]);
        }
        return vectors;
    }

    /** {@code source / ||source||} into {@code target}; sentence-transformers' Normalize clamps the norm at 1e-12. */
    static void normalize(double[] source, float[] target) {
        double norm = 0;
        for (double v : source) {
            norm += v * v;
        }
        norm = Math.max(Math.sqrt(norm), 1e-12);
        for (int d = 0; d < source.length; d++) {
            target[d] = (float) (source[d] / norm);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            // closing releases native memory only; nothing to recover
        }
    }
}
