package io.personalize.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.personalize.it.EsClient;
import io.personalize.it.RealCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What resumable import sessions cost, side by side in one run on one node: the same model imported in one
 * {@code _import}, then through a session in parts (each part flushed before it is recorded written, the price of
 * surviving a crash), then through a session whose node is restarted half-way: the first request after the restart
 * takes the session over and reads back which part wrote each document (one doc-values pass over the version index),
 * then the remaining parts and the completion. {@code bin/bench import-takeover [USERS] [PART_MB]} (default 150,000
 * users, parts of 8 MB); the restart uses {@code bin/cluster restart} on the cluster bin/bench started.
 */
public final class ImportTakeoverBench {

    static final String EVENTS = "itb-events";
    static final String ITEMS = "itb-items";
    static final String MODEL = "itb";
    static final int ITEM_COUNT = 10_000;

    public static void main(String[] args) throws Exception {
        String url = args.length > 0 ? args[0] : "http://127.0.0.1:19400";
        int users = args.length > 1 ? Integer.parseInt(args[1].replace("_", "").replace(",", "")) : 150_000;
        int partMb = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        String cluster = System.getenv().getOrDefault("PERSONALIZE_BENCH_NAME", "bench");
        EsClient es = new EsClient(url, System.getenv("PERSONALIZE_USER"), System.getenv("PERSONALIZE_PASSWORD"));
        SyntheticEvents.createIndex(es, EVENTS);
        SyntheticEvents.createCatalog(es, ITEMS, ITEM_COUNT);
        es.delete("/_recommend/models/" + MODEL);
        es.put("/_recommend/models/" + MODEL, SyntheticEvents.modelConfig(ITEMS, EVENTS))
                .ok();

        String model = lines(users);
        byte[] bytes = model.getBytes(StandardCharsets.UTF_8);
        long documents = ITEM_COUNT + users + 1L;
        List<String> parts = cut(model, partMb * 1024 * 1024);
        System.out.printf(
                Locale.ROOT,
                "Import sessions that survive their node, on %s: a model of %,d documents (%,d items, %,d users,"
                        + " popular), %,d bytes; parts of at most %d MB: %d%n",
                url,
                documents,
                ITEM_COUNT,
                users,
                bytes.length,
                partMb,
                parts.size());

        long start = System.nanoTime();
        es.ndjson("/_recommend/models/" + MODEL + "/_import", model).ok();
        double oneBody = seconds(start);

        start = System.nanoTime();
        String session = open(es);
        for (int i = 0; i < parts.size(); i++) {
            part(es, session, i + 1, parts.get(i));
        }
        complete(es, session);
        double inParts = seconds(start);

        start = System.nanoTime();
        session = open(es);
        int half = parts.size() / 2;
        for (int i = 0; i < half; i++) {
            part(es, session, i + 1, parts.get(i));
        }
        double beforeRestart = seconds(start);
        Path root = RealCluster.root();
        long restartStart = System.nanoTime();
        Process restart = new ProcessBuilder(root.resolve("bin/cluster").toString(), "restart", "--name", cluster)
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (restart.waitFor() != 0) {
            throw new IllegalStateException("bin/cluster restart --name " + cluster + " failed");
        }
        double restartTime = seconds(restartStart);
        start = System.nanoTime();
        JsonNode resumed =
                es.get("/_recommend/models/" + MODEL + "/_import/" + session).ok();
        double takeover = seconds(start);
        long readBack = resumed.path("lines").asLong();
        start = System.nanoTime();
        for (int i = half; i < parts.size(); i++) {
            part(es, session, i + 1, parts.get(i));
        }
        JsonNode completed = complete(es, session);
        double afterRestart = seconds(start);
        if (completed.path("version").path("users").asLong() != users) {
            throw new IllegalStateException("the resumed import holds the wrong users: " + completed);
        }

        System.out.printf(Locale.ROOT, "%-62s %10s %14s %8s%n", "", "seconds", "s per million", "ratio");
        row("one _import (one body)", oneBody, documents, oneBody);
        row(
                "a session in " + parts.size() + " parts (each flushed, recorded in the cluster state)",
                inParts,
                documents,
                oneBody);
        row("a session restarted after " + half + " parts: before the restart", beforeRestart, 0, 0);
        System.out.printf(
                Locale.ROOT, "%-62s %10.1f%n", "  the node's restart (bin/cluster restart, not counted)", restartTime);
        row("  the takeover: first GET, " + readBack + " documents read back", takeover, readBack, 0);
        row("  the remaining parts and _complete", afterRestart, 0, 0);
        double resumedTotal = beforeRestart + takeover + afterRestart;
        row("  the session in all, without the restart", resumedTotal, documents, oneBody);
        System.out.println("command: bin/bench import-takeover " + users + " " + partMb);
        es.delete("/_recommend/models/" + MODEL);
        es.delete("/" + EVENTS);
        es.delete("/" + ITEMS);
    }

    private static void row(String what, double seconds, long documents, double base) {
        System.out.printf(
                Locale.ROOT,
                "%-62s %10.1f %14s %8s%n",
                what,
                seconds,
                documents > 0 ? String.format(Locale.ROOT, "%.1f", seconds / (documents / 1e6)) : "",
                base > 0 ? String.format(Locale.ROOT, "%.2fx", seconds / base) : "");
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private static String open(EsClient es) {
        return es.post("/_recommend/models/" + MODEL + "/_import/_session", null)
                .ok()
                .path("session")
                .asText();
    }

    private static void part(EsClient es, String session, int part, String lines) {
        es.send(
                        "PUT",
                        "/_recommend/models/" + MODEL + "/_import/" + session + "/" + part,
                        lines,
                        "application/x-ndjson")
                .ok();
    }

    private static JsonNode complete(EsClient es, String session) {
        return es.post("/_recommend/models/" + MODEL + "/_import/" + session + "/_complete", null)
                .ok();
    }

    /** Cut at line ends into parts of at most {@code max} characters (the lines are ASCII). */
    static List<String> cut(String model, int max) {
        List<String> parts = new ArrayList<>();
        int from = 0;
        while (from < model.length()) {
            int to = Math.min(model.length(), from + max);
            if (to < model.length()) {
                to = model.lastIndexOf('\n', to - 1) + 1;
            }
            parts.add(model.substring(from, to));
            from = to;
        }
        return parts;
    }

    /** Items with 20 neighbours, users with a 5-item history and 20 recommended items, the popular line. */
    static String lines(int users) {
        StringBuilder lines = new StringBuilder();
        for (int i = 1; i <= ITEM_COUNT; i++) {
            lines.append("{\"item\": \"i").append(i).append("\", \"neighbors\": [");
            for (int k = 1; k <= 20; k++) {
                lines.append(k > 1 ? ", " : "")
                        .append("\"i")
                        .append(1 + (i + k * 7) % ITEM_COUNT)
                        .append('"');
            }
            lines.append("], \"scores\": [");
            for (int k = 1; k <= 20; k++) {
                lines.append(k > 1 ? ", " : "").append(1.0 - k * 0.01);
            }
            lines.append("], \"popularity\": 1.0}\n");
        }
        for (int u = 0; u < users; u++) {
            lines.append("{\"user\": \"u").append(u).append("\", \"history\": [");
            for (int k = 0; k < 5; k++) {
                lines.append(k > 0 ? ", " : "")
                        .append("\"i")
                        .append(1 + (u * 31 + k) % ITEM_COUNT)
                        .append('"');
            }
            lines.append("], \"history_weights\": [1.0, 1.0, 1.0, 1.0, 1.0], \"items\": [");
            for (int k = 0; k < 20; k++) {
                lines.append(k > 0 ? ", " : "")
                        .append("\"i")
                        .append(1 + (u * 17 + k * 3) % ITEM_COUNT)
                        .append('"');
            }
            lines.append("], \"scores\": [");
            for (int k = 0; k < 20; k++) {
                lines.append(k > 0 ? ", " : "").append(1.0 - k * 0.01);
            }
            lines.append("], \"because\": [");
            for (int k = 0; k < 20; k++) {
                lines.append(k > 0 ? ", " : "")
                        .append("\"i")
                        .append(1 + (u * 31 + k % 5) % ITEM_COUNT)
                        .append('"');
            }
            lines.append("]}\n");
        }
        lines.append("{\"popular\": [\"i1\", \"i2\"], \"scores\": [2.0, 1.0]}\n");
        return lines.toString();
    }
}
