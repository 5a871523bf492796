package io.personalize.model;

import io.personalize.training.EaseSimilarity;
import io.personalize.training.ModelTrainer;
import io.personalize.training.TrainingConfig;
import io.personalize.training.TrainingMonitor;
import io.personalize.training.Workers;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.elasticsearch.test.ESTestCase;

public class VersionDocumentsTests extends ESTestCase {

    /**
     * The documents built on the training's threads, chunk by chunk, are the documents of one thread, byte for byte and
     * in the same order, for every algorithm (ease's users' lists from its whole B, dense and sparse, als's factors,
     * user_knn, the neighbours' formula); more documents than a chunk, and a last chunk that is not full.
     */
    public void testDocumentsOnWorkersAreTheDocumentsOfOneThreadInTheSameOrder() throws Exception {
        int numUsers = 2 * VersionDocuments.CHUNK + 137, numItems = 300;
        Random random = new Random(randomLong());
        IdDictionary users = new IdDictionary(), items = new IdDictionary();
        for (int u = 0; u < numUsers; u++) {
            users.add(String.format(java.util.Locale.ROOT, "user%05d", u));
        }
        for (int i = 0; i < numItems; i++) {
            items.add(String.format(java.util.Locale.ROOT, "item%03d", i));
        }
        List<int[]> events = new ArrayList<>();
        for (int u = 0; u < numUsers; u++) {
            for (int e = 1 + random.nextInt(12); e > 0; e--) {
                // skewed: a few items in most histories, so that rows of B and lists overlap
                int item = random.nextBoolean() ? random.nextInt(15) : random.nextInt(numItems);
                events.add(new int[] {u, item, 1 + 2 * random.nextInt(3), random.nextInt(60 * 86400)});
            }
        }
        int n = events.size();
        int[] uu = new int[n], ii = new int[n];
        float[] w = new float[n];
        long[] t = new long[n];
        for (int e = 0; e < n; e++) {
            uu[e] = events.get(e)[0];
            ii[e] = events.get(e)[1];
            w[e] = events.get(e)[2];
            t[e] = 1_700_000_000L + events.get(e)[3];
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Workers three = new Workers(pool, 3);
            for (TrainingConfig.Algorithm algorithm : TrainingConfig.Algorithm.values()) {
                for (EaseSimilarity.Mode mode : algorithm == TrainingConfig.Algorithm.EASE
                        ? List.of(EaseSimilarity.Mode.DENSE, EaseSimilarity.Mode.SPARSE)
                        : List.of(EaseSimilarity.Mode.AUTO)) {
                    TrainingConfig.Builder config = TrainingConfig.builder()
                            .algorithm(algorithm)
                            .easeMode(mode)
                            .easeSupport(20)
                            .iterations(3)
                            .halfLifeDays(21);
                    List<VersionWriter.Doc> serial =
                            documents(config.workers(Workers.SERIAL), uu, ii, w, t, users, items);
                    List<VersionWriter.Doc> shared = documents(config.workers(three), uu, ii, w, t, users, items);
                    String what = algorithm + " " + mode;
                    assertEquals(what, numItems + numUsers + 1, serial.size());
                    assertEquals(what, serial.size(), shared.size());
                    for (int d = 0; d < serial.size(); d++) {
                        assertEquals(
                                what + " document " + d,
                                serial.get(d).id(),
                                shared.get(d).id());
                        assertArrayEquals(
                                what + " document " + d,
                                serial.get(d).json(),
                                shared.get(d).json());
                    }
                    // in id order: items, then users, then the popular list
                    assertEquals(
                            ModelDocuments.itemDocId("item000"), serial.get(0).id());
                    assertEquals(
                            ModelDocuments.userDocId("user00000"),
                            serial.get(numItems).id());
                    assertEquals(
                            ModelDocuments.userDocId(users.get(numUsers - 1)),
                            serial.get(numItems + numUsers - 1).id());
                    assertEquals(
                            ModelDocuments.POPULAR_ID,
                            serial.get(serial.size() - 1).id());
                }
            }
        } finally {
            pool.shutdown();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    private static List<VersionWriter.Doc> documents(
            TrainingConfig.Builder config,
            int[] u,
            int[] i,
            float[] w,
            long[] t,
            IdDictionary users,
            IdDictionary items) {
        VersionDocuments documents = new VersionDocuments(
                new TrainingJob.Result(
                        ModelTrainer.train(
                                u.clone(), i.clone(), w.clone(), t.clone(), config.build(), TrainingMonitor.NOOP),
                        users,
                        items,
                        CatalogAttributes.empty(),
                        null,
                        null),
                20);
        List<VersionWriter.Doc> out = new ArrayList<>();
        while (documents.hasNext()) {
            out.add(documents.next());
        }
        assertFalse(documents.hasNext());
        return out;
    }
}
