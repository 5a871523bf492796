package io.personalize.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.common.util.concurrent.EsRejectedExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingServiceTests {

    private static EmbeddingModels models;
    private static SentenceEmbedder minilm;
    private static ExecutorService pool;

    @BeforeAll
    static void open(@TempDir Path dir) {
        models = new EmbeddingModels(dir);
        minilm = models.get(EmbeddingModels.MINILM);
        pool = Executors.newFixedThreadPool(2);
    }

    @AfterAll
    static void close() throws InterruptedException {
        pool.shutdown();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        models.close();
    }

    private static CompletableFuture<float[][]> embed(EmbeddingService service, List<String> texts) {
        CompletableFuture<float[][]> future = new CompletableFuture<>();
        service.embed(minilm, texts, ActionListener.wrap(future::complete, future::completeExceptionally));
        return future;
    }

    @Test
    void manyCallersGetTheirOwnVectorsInOrder() throws Exception {
        EmbeddingService service = new EmbeddingService(pool, null, 1, 1000);
        List<CompletableFuture<float[][]>> calls = new ArrayList<>();
        List<List<String>> texts = new ArrayList<>();
        for (int c = 0; c < 20; c++) {
            List<String> mine = List.of("red lunch bag " + c, "pink jumbo bag " + c, "heart holder " + c);
            texts.add(mine);
            calls.add(embed(service, mine));
        }
        for (int c = 0; c < 20; c++) {
            float[][] vectors = calls.get(c).get(60, TimeUnit.SECONDS);
            assertEquals(3, vectors.length);
            for (int t = 0; t < 3; t++) {
                assertArrayEquals(
                        minilm.embed(List.of(texts.get(c).get(t)))[0],
                        vectors[t],
                        "one text at a time: the same vector as alone, whoever else is waiting");
            }
        }
    }

    @Test
    void tooManyWaitingTextsAreRejectedNotQueued() throws Exception {
        EmbeddingService service = new EmbeddingService(pool, null, 1, 2);
        CompletableFuture<float[][]> rejected = embed(service, List.of("a", "b", "c"));
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class, () -> rejected.get(10, TimeUnit.SECONDS));
        assertInstanceOf(EsRejectedExecutionException.class, e.getCause());
        // the rejected texts do not count: the next call within the limit goes through
        assertEquals(2, embed(service, List.of("a", "b")).get(60, TimeUnit.SECONDS).length);
    }
}
