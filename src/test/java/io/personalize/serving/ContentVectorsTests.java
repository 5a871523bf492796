package io.personalize.serving;

import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.nullValue;

import java.util.ArrayList;
import java.util.List;
import org.elasticsearch.test.ESTestCase;

/** Centring: what every product shares is removed before a shopper's items are averaged into a knn query. */
public class ContentVectorsTests extends ESTestCase {

    public void testMeanIsComponentWise() {
        float[] mean = ContentVectors.mean(List.of(new float[] {1, 0, 2}, new float[] {3, 2, 0}));
        assertArrayEquals(new float[] {2, 1, 1}, mean, 1e-6f);
        assertThat(ContentVectors.mean(List.of()), nullValue());
    }

    public void testCentredDirectionRemovesTheCatalogueMeanAndIsUnitLength() {
        float[] catalogMean = {0.8f, 0f, 0f};
        // two items that share the catalogue's common direction and differ from it along y
        float[] direction = ContentVectors.centredDirection(
                List.of(new float[] {0.8f, 0.6f, 0f}, new float[] {0.8f, 0.6f, 0f}), catalogMean);
        assertArrayEquals(new float[] {0f, 1f, 0f}, direction, 1e-6f);
        // without centring the common direction dominates
        float[] raw = ContentVectors.centredDirection(List.of(new float[] {0.8f, 0.6f, 0f}), null);
        assertArrayEquals(new float[] {0.8f, 0.6f, 0f}, raw, 1e-6f);
    }

    public void testNothingLeftIsNoQuery() {
        float[] catalogMean = {0.6f, 0.8f};
        assertThat(ContentVectors.centredDirection(List.of(new float[] {0.6f, 0.8f}), catalogMean), nullValue());
        assertThat(ContentVectors.centredDirection(List.of(), catalogMean), nullValue());
    }

    public void testAMeanOfAnotherSizeIsNotApplied() {
        float[] direction = ContentVectors.centredDirection(List.of(new float[] {3, 4}), new float[] {1, 1, 1});
        assertArrayEquals(new float[] {0.6f, 0.8f}, direction, 1e-6f);
    }

    /**
     * The reason to centre: items sharing a strong common direction (as a language model's vectors of short titles
     * do) make a raw mean whose nearest item is the most generic one; the centred mean's nearest is the one most like
     * the shopper's items in particular.
     */
    public void testCentringFindsTheParticularNotTheGeneric() {
        int dims = 16;
        float[] common = new float[dims];
        common[0] = 1;
        List<float[]> catalog = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            float[] v = new float[dims];
            v[0] = 2.5f;
            v[1 + (i % (dims - 1))] = 1f + randomFloat() * 0.1f;
            catalog.add(unit(v));
        }
        float[] generic = unit(new float[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        float[] particular = new float[dims];
        particular[0] = 2.5f;
        particular[3] = 2f;
        particular = unit(particular);
        List<float[]> shopper = List.of(catalog.get(2), catalog.get(2 + dims - 1)); // both along dimension 3
        float[] raw = ContentVectors.centredDirection(shopper, null);
        float[] centred = ContentVectors.centredDirection(shopper, ContentVectors.mean(catalog));
        assertThat(dot(raw, generic), greaterThan(dot(raw, catalog.get(5))));
        assertThat(dot(centred, particular), greaterThan(dot(centred, generic)));
        assertThat(dot(centred, generic), lessThan(0.2));
        assertThat(norm(centred), closeTo(1.0, 1e-5));
    }

    public void testCosineOfAKnnScore() {
        assertThat((double) ContentVectors.cosineOfKnnScore(1f), closeTo(1.0, 1e-6));
        assertThat((double) ContentVectors.cosineOfKnnScore(0.5f), closeTo(0.0, 1e-6));
        assertThat((double) ContentVectors.cosineOfKnnScore(0.75f), closeTo(0.5, 1e-6));
    }

    private static float[] unit(float[] v) {
        return ContentVectors.unit(v);
    }

    private static double dot(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d += a[i] * b[i];
        }
        return d;
    }

    private static double norm(float[] a) {
        return Math.sqrt(dot(a, a));
    }
}
