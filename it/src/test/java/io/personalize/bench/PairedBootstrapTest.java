package io.personalize.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PairedBootstrapTest {

    @Test
    void agreesWithTheNormalIntervalOnManyGaussianDifferences() {
        // 4,000 shoppers, differences ~ N(0.01, 0.1): the mean's 95% interval is about ± 1.96 * 0.1 / sqrt(4000)
        Random random = new Random(1);
        double[] a = new double[4_000];
        double[] b = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = random.nextDouble();
            a[i] = b[i] + 0.01 + 0.1 * random.nextGaussian();
        }
        double[] normal = ContentQualityBench.pairedInterval(a, b);
        double[] boot = PairedBootstrap.interval(a, b);
        assertEquals(normal[0] - normal[1], boot[0], 0.0005);
        assertEquals(normal[0] + normal[1], boot[1], 0.0005);
    }

    @Test
    void isPairedSoAShiftSharedByBothSidesCancels() {
        // a = b + 1 for every shopper: no spread in the differences, whatever b's spread
        double[] b = {0, 0.5, 1, 0.2, 0.9};
        double[] a = {1, 1.5, 2, 1.2, 1.9};
        assertArrayEquals(new double[] {1, 1}, PairedBootstrap.interval(a, b), 1e-12);
    }

    @Test
    void skewedDifferencesGiveAnAsymmetricInterval() {
        // 990 shoppers level, 10 gaining 1: the draws' means are skewed right (a Poisson count of gains), the normal
        // interval is symmetric by construction
        double[] a = new double[1_000];
        double[] b = new double[a.length];
        for (int i = 0; i < 10; i++) {
            a[i] = 1;
        }
        double[] boot = PairedBootstrap.interval(a, b);
        assertTrue(boot[0] > 0, "a draw holds at least one gain almost surely: " + boot[0]);
        assertTrue(boot[1] - 0.01 > 0.01 - boot[0], "longer above the mean than below: " + boot[0] + ", " + boot[1]);
    }

    @Test
    void theSameSeedGivesTheSameInterval() {
        double[] a = {0, 1, 0, 0, 1, 0, 0.3};
        double[] b = {0, 0, 0, 1, 0, 0, 0.1};
        assertArrayEquals(PairedBootstrap.interval(a, b), PairedBootstrap.interval(a, b), 0);
    }
}
