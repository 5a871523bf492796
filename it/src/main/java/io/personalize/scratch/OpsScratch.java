package io.personalize.scratch;

import io.personalize.it.EsClient;
import java.util.*;

public final class OpsScratch {
    public static void main(String[] args) {
        EsClient es = new EsClient(args[0], null, null);
        List<String> users = List.of("12347","12348","12352","12356","12359","12362","12364","12370","12371","12372","12375","12377","12379","12380","12381","12383");
        Map<String, java.util.function.Function<String, EsClient.Response>> ops = new LinkedHashMap<>();
        ops.put("cluster health", u -> es.get("/_cluster/health"));
        ops.put("GET products doc", u -> es.get("/rb-products/_doc/22423?_source=false"));
        ops.put("events agg search", u -> es.post("/rb-events-train/_search", "{\"size\":0,\"track_total_hits\":false,\"query\":{\"bool\":{\"filter\":[{\"term\":{\"user_id\":\"" + u + "\"}},{\"terms\":{\"type\":[\"purchase\",\"cart\",\"view\"]}}]}},\"aggs\":{\"r\":{\"terms\":{\"field\":\"sku\",\"size\":60,\"shard_size\":60,\"order\":[{\"n\":\"desc\"},{\"_key\":\"asc\"}]},\"aggs\":{\"n\":{\"max\":{\"field\":\"@timestamp\",\"format\":\"epoch_millis\"}}}}}}"));
        ops.put("events hits search", u -> es.post("/rb-events-train/_search", "{\"size\":60,\"track_total_hits\":false,\"_source\":false,\"stored_fields\":\"_none_\",\"docvalue_fields\":[\"sku\",{\"field\":\"@timestamp\",\"format\":\"epoch_millis\"}],\"sort\":[{\"@timestamp\":\"desc\"}],\"query\":{\"bool\":{\"filter\":[{\"term\":{\"user_id\":\"" + u + "\"}},{\"terms\":{\"type\":[\"purchase\",\"cart\",\"view\"]}}]}}}"));
        String skus = "[\"21121\",\"23307\",\"21977\",\"22697\",\"22221\",\"22196\",\"21975\",\"22982\",\"23084\",\"22383\",\"23344\",\"23203\",\"22633\",\"84879\",\"22086\",\"22112\",\"22384\",\"23207\",\"23583\",\"20727\",\"85123A\",\"23390\",\"22423\",\"22720\",\"22722\",\"22960\",\"22961\",\"22993\",\"22697\",\"22698\",\"22699\",\"20725\",\"20726\",\"20728\",\"22382\",\"22629\",\"22630\",\"22631\",\"22659\",\"23206\"]";
        ops.put("catalog agg search", u -> es.post("/rb-products/_search", "{\"size\":0,\"track_total_hits\":false,\"query\":{\"bool\":{\"filter\":[{\"terms\":{\"sku\":" + skus + "}}]}},\"aggs\":{\"items\":{\"terms\":{\"field\":\"sku\",\"size\":40,\"shard_size\":40}}}}"));
        ops.put("catalog hits search", u -> es.post("/rb-products/_search", "{\"size\":40,\"track_total_hits\":false,\"_source\":false,\"docvalue_fields\":[\"sku\"],\"query\":{\"bool\":{\"filter\":[{\"terms\":{\"sku\":" + skus + "}}]}}}"));
        ops.put("_recommend", u -> es.post("/_recommend", "{\"model\":\"rb\",\"user_id\":\"" + u + "\",\"size\":10}"));
        Map<String, List<Long>> t = new LinkedHashMap<>();
        for (int i = 0; i < 400; i++) {
            String u = users.get(i % users.size());
            for (var e : ops.entrySet()) {
                long s = System.nanoTime();
                EsClient.Response r = e.getValue().apply(u);
                long d = System.nanoTime() - s;
                if (r.status() != 200) throw new IllegalStateException(e.getKey() + r.body());
                if (i >= 50) t.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(d);
            }
        }
        for (var e : t.entrySet()) {
            List<Long> l = e.getValue(); Collections.sort(l);
            System.out.printf("%-22s p50 %6.2f ms  p90 %6.2f%n", e.getKey(), l.get(l.size()/2)/1e6, l.get(l.size()*9/10)/1e6);
        }
    }
}
