package io.personalize.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apache.http.HttpHost;
import org.junit.jupiter.api.Test;

/** The job's options: several nodes, MLlib's seed and regParam scale, the reading's bounds, each bad value named. */
class SparkTrainOptionsTest {

    @Test
    void severalNodesASeedAndARegParamScale() {
        SparkTrain.Options options = SparkTrain.Options.parse(new String[] {
            "--url", "http://es1:9201, https://es2", "--model", "shop", "--seed", "43", "--reg-param-scale", "0.5"
        });
        assertEquals(43L, options.seed());
        assertEquals(0.5, options.regParamScale());
        HttpHost[] hosts = Elasticsearch.hosts(options.url());
        assertEquals(2, hosts.length);
        assertEquals("http://es1:9201", hosts[0].toURI());
        assertEquals("https://es2:9200", hosts[1].toURI());
    }

    @Test
    void theDefaultsAreTheNodes() {
        SparkTrain.Options options =
                SparkTrain.Options.parse(new String[] {"--url", "http://localhost:9200", "--model", "shop"});
        assertEquals(io.personalize.training.TrainingConfig.DEFAULT_ALS_SEED, options.seed());
        assertEquals(1.0, options.regParamScale());
        assertEquals(60_000, options.readTimeoutMillis());
        assertEquals(10_000, options.pageSize());
        assertEquals(3, options.readAttempts());
    }

    @Test
    void aReadTimeoutPagesAndAttempts() {
        SparkTrain.Options options = SparkTrain.Options.parse(new String[] {
            "--url", "http://es1", "--model", "m", "--read-timeout", "90s", "--page-size", "500", "--read-attempts", "5"
        });
        assertEquals(90_000, options.readTimeoutMillis());
        assertEquals(500, options.pageSize());
        assertEquals(5, options.readAttempts());
        assertEquals(
                2_500,
                SparkTrain.Options.parse(
                                new String[] {"--url", "http://es1", "--model", "m", "--read-timeout", "2500ms"})
                        .readTimeoutMillis());
        for (String bad : new String[] {"0s", "soon", "-5s"}) {
            var e = assertThrows(
                    IllegalArgumentException.class,
                    () -> SparkTrain.Options.parse(
                            new String[] {"--url", "http://es1", "--model", "m", "--read-timeout", bad}));
            assertEquals(
                    "--read-timeout must be a positive duration (500ms, 60s, 5m), got [" + bad + "]", e.getMessage());
        }
        var attempts = assertThrows(
                IllegalArgumentException.class,
                () -> SparkTrain.Options.parse(
                        new String[] {"--url", "http://es1", "--model", "m", "--read-attempts", "0"}));
        assertEquals("--read-attempts must be at least 1, got [0]", attempts.getMessage());
    }

    @Test
    void aBadScaleOrAddressIsNamed() {
        var scale = assertThrows(
                IllegalArgumentException.class,
                () -> SparkTrain.Options.parse(
                        new String[] {"--url", "http://es1", "--model", "m", "--reg-param-scale", "0"}));
        assertEquals("--reg-param-scale must be a positive number, got [0]", scale.getMessage());
        var url = assertThrows(IllegalArgumentException.class, () -> Elasticsearch.hosts(" , "));
        assertEquals("[--url] names no node", url.getMessage());
    }
}
