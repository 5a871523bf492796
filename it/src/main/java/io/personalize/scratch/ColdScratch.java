package io.personalize.scratch;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.OnlineRetail;
import io.personalize.training.RankingMetrics;
import java.util.*;

public final class ColdScratch {
    public static void main(String[] args) {
        EsClient es = new EsClient(args[0], null, null);
        OnlineRetail data = OnlineRetail.load();
        OnlineRetail.Protocol protocol = data.protocol();
        Set<String> newItems = new HashSet<>();
        for (OnlineRetail.Product p : data.products()) if (p.title() != null && p.firstSold() >= OnlineRetail.SPLIT && p.firstSold() != Long.MAX_VALUE) newItems.add(p.sku());
        Map<String, Integer> ids = new HashMap<>();
        for (String i : new TreeSet<>(protocol.trainCatalog())) ids.put(i, ids.size());
        int cat = ids.size();
        List<String[]> pairs = new ArrayList<>();
        for (var e : protocol.truthByUser().entrySet()) for (String item : e.getValue()) if (newItems.contains(item) && e.getValue().size() > 1) pairs.add(new String[]{e.getKey(), item});
        Set<String> asked = new TreeSet<>(); pairs.forEach(p -> asked.add(p[1]));
        Map<String, List<String>> content = new HashMap<>(), popular = new HashMap<>(), cf3 = new HashMap<>(), cf5 = new HashMap<>(), mix = new HashMap<>(), cf1 = new HashMap<>();
        List<String> pop = items(es.post("/_recommend", "{\"model\":\"rb\",\"user_id\":\"-x-\",\"size\":30}").ok());
        for (String n : asked) {
            JsonNode r = es.post("/_recommend", "{\"model\":\"rb\",\"item_ids\":[\"" + n + "\"],\"size\":20,\"explain\":true}").ok();
            List<String> c = items(r);
            content.put(n, c.subList(0, 10));
            popular.put(n, pop.stream().filter(x -> !x.equals(n)).limit(10).toList());
            for (int m : new int[]{1, 3, 5}) {
                List<String> ctx = new ArrayList<>(List.of(n)); ctx.addAll(c.subList(0, m));
                List<String> s = items(es.post("/_recommend", "{\"model\":\"rb\",\"item_ids\":" + EsClient.toJson(ctx) + ",\"size\":10}").ok());
                (m == 1 ? cf1 : m == 3 ? cf3 : cf5).put(n, s);
            }
            List<String> mx = new ArrayList<>();
            for (int i = 0; mx.size() < 10; i++) { if (i < c.size() && !mx.contains(c.get(i))) mx.add(c.get(i)); String p = pop.get(i); if (!p.equals(n) && !mx.contains(p) && mx.size() < 10) mx.add(p); }
            mix.put(n, mx);
        }
        for (var v : List.of(Map.entry("content", content), Map.entry("popular", popular), Map.entry("cf1", cf1), Map.entry("cf3", cf3), Map.entry("cf5", cf5), Map.entry("mix", mix))) {
            RankingMetrics m = new RankingMetrics(10, cat);
            for (String[] p : pairs) {
                Set<String> t = new HashSet<>(protocol.truthByUser().get(p[0])); t.remove(p[1]);
                m.add(of(ids, v.getValue().get(p[1])), of(ids, t));
            }
            System.out.println(v.getKey() + " " + m);
        }
    }
    static int[] of(Map<String, Integer> ids, Collection<String> items) { int[] o = new int[items.size()]; int n = 0; for (String i : items) o[n++] = ids.computeIfAbsent(i, k -> ids.size()); return o; }
    static List<String> items(JsonNode r) { List<String> l = new ArrayList<>(); for (JsonNode x : r.path("recommendations")) l.add(x.path("item_id").asText()); return l; }
}
