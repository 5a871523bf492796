package io.personalize.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.it.Shop;
import java.util.Locale;

/**
 * One tuned OR-time row of {@code bin/bench models} through a node, without the rest of the bench: loads Online Retail
 * as the bench does and sends {@code _evaluate} with the split 2011-11-01 and the given {@code tune} object.
 *
 * <pre>cd it && mvn -q compile exec:java -Dexec.mainClass=io.personalize.bench.OrTimeTunedRow \
 *   -Dexec.args="http://127.0.0.1:21000 0.2 0.3"</pre>
 *
 * (the URL, the slice's {@code fraction}, {@code min_coverage}; a 20-minute budget; the events are loaded once per
 * node)
 */
public final class OrTimeTunedRow {

    private OrTimeTunedRow() {}

    public static void main(String[] args) {
        EsClient es = new EsClient(args[0], System.getenv("PERSONALIZE_USER"), System.getenv("PERSONALIZE_PASSWORD"));
        String tune = String.format(
                Locale.ROOT, "{\"budget\": \"20m\", \"fraction\": %s, \"min_coverage\": %s}", args[1], args[2]);
        OnlineRetail data = OnlineRetail.load();
        String products = "bench-products";
        String events = "bench-events";
        String model = "bench-quality";
        Shop.putVectorPipeline(es);
        Shop.createProductsIndex(es, products, Shop.VECTOR_PIPELINE, 1, 0);
        Shop.loadProducts(es, products, data.products());
        Shop.createEventsIndex(es, events, 1, 0);
        Shop.loadEvents(es, events, data.purchases(), 3);
        es.delete("/_recommend/models/" + model);
        es.put("/_recommend/models/" + model, Shop.modelConfig(products, events))
                .ok();
        JsonNode evaluation = es.post(
                        "/_recommend/models/" + model + "/_evaluate",
                        "{\"split\": \"2011-11-01\", \"k\": 10, \"tune\": " + tune + "}")
                .ok()
                .path("evaluation");
        JsonNode m = evaluation.path("model");
        JsonNode chosen = evaluation.path("tuning").path("chosen");
        System.out.printf(
                Locale.ROOT,
                "OR-time, tune %s: chosen %s, half-life %s, popularity %s, discount %s (validation NDCG@10 %.4f, coverage"
                        + " %.4f; floor met %s)%n  test: HR %.4f  precision %.4f  recall %.4f  MAP %.4f  NDCG %.4f"
                        + "  coverage %.4f%n",
                tune,
                chosen.path("algorithm").asText(),
                chosen.path("half_life").asText(),
                chosen.path("popularity_weight").asText(),
                chosen.path("popularity_discount").asDouble(0),
                chosen.path("ndcg").asDouble(),
                chosen.path("coverage").asDouble(),
                evaluation.path("tuning").path("min_coverage_met").asText(),
                m.path("hit_rate").asDouble(),
                m.path("precision").asDouble(),
                m.path("recall").asDouble(),
                m.path("map").asDouble(),
                m.path("ndcg").asDouble(),
                m.path("coverage").asDouble());
    }
}
