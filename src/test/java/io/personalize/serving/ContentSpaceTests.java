package io.personalize.serving;

import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.elasticsearch.test.ESTestCase;

/** The catalogue's content space: centred, its strongest principal directions removed, checked against an SVD. */
public class ContentSpaceTests extends ESTestCase {

    /** A sample whose centred vectors vary most along a few directions, plus noise. */
    private List<float[]> structuredSample(int n, int dims) {
        List<float[]> sample = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] v = new float[dims];
            v[0] = 3f; // what every item shares
            v[1] = (float) (4 * random().nextGaussian());
            v[2] = (float) (2 * random().nextGaussian());
            for (int d = 3; d < dims; d++) {
                v[d] = (float) (0.3 * random().nextGaussian());
            }
            sample.add(v);
        }
        return sample;
    }

    /**
     * The directions removed are the top right singular vectors of the centred sample (EJML's SVD, another route than
     * the covariance's eigen decomposition the space uses), and a prepared vector equals the unit residual of the
     * vector, centred, off the span of those singular vectors.
     */
    public void testRemovingDirectionsMatchesTheSvdOfTheCentredSample() {
        int n = 40, dims = 8, top = 3;
        List<float[]> sample = structuredSample(n, dims);
        ContentSpace space = ContentSpace.of(sample, top);
        assertThat(space.directions(), equalTo(top));

        DMatrixRMaj centred = new DMatrixRMaj(n, dims);
        double[] mean = new double[dims];
        double[][] unit = new double[n][];
        for (int i = 0; i < n; i++) {
            unit[i] = unit(sample.get(i));
            for (int d = 0; d < dims; d++) {
                mean[d] += unit[i][d] / n;
            }
        }
        for (int d = 0; d < dims; d++) {
            assertThat((double) space.mean()[d], closeTo(mean[d], 1e-6));
        }
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < dims; d++) {
                centred.set(i, d, unit[i][d] - mean[d]);
            }
        }
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(n, dims, false, true, true);
        assertTrue(svd.decompose(centred));
        double[] singular = svd.getSingularValues();
        DMatrixRMaj vt = svd.getV(null, true);
        Integer[] order = new Integer[singular.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(singular[b], singular[a]));
        double[][] basis = new double[top][dims];
        for (int k = 0; k < top; k++) {
            for (int d = 0; d < dims; d++) {
                basis[k][d] = vt.get(order[k], d);
            }
            // the same direction up to its sign
            double dot = 0;
            double[] p = space.direction(k);
            for (int d = 0; d < dims; d++) {
                dot += p[d] * basis[k][d];
            }
            assertThat("direction " + k, Math.abs(dot), closeTo(1, 1e-6));
        }

        for (int t = 0; t < 5; t++) {
            float[] v = sample.get(randomIntBetween(0, n - 1));
            double[] x = unit(v);
            for (int d = 0; d < dims; d++) {
                x[d] -= mean[d];
            }
            for (double[] p : basis) {
                double dot = 0;
                for (int d = 0; d < dims; d++) {
                    dot += x[d] * p[d];
                }
                for (int d = 0; d < dims; d++) {
                    x[d] -= dot * p[d];
                }
            }
            double norm = 0;
            for (double value : x) {
                norm += value * value;
            }
            float[] prepared = space.prepare(v);
            for (int d = 0; d < dims; d++) {
                assertThat((double) prepared[d], closeTo(x[d] / Math.sqrt(norm), 1e-5));
            }
        }
    }

    public void testPreparedVectorsAreUnitAndHaveNothingAlongTheRemovedDirections() {
        ContentSpace space = ContentSpace.of(structuredSample(50, 6), 2);
        float[] prepared = space.prepare(new float[] {3, 1, -2, 0.5f, 0, 0.1f});
        assertThat(ContentSpace.dot(prepared, prepared), closeTo(1, 1e-6));
        for (int k = 0; k < space.directions(); k++) {
            double[] p = space.direction(k);
            double dot = 0;
            for (int d = 0; d < p.length; d++) {
                dot += prepared[d] * p[d];
            }
            assertThat(dot, closeTo(0, 1e-6));
        }
    }

    /** No direction removed: the space is centring alone, as the similar-items path uses it. */
    public void testZeroDirectionsIsCentringAlone() {
        ContentSpace space = ContentSpace.of(List.of(new float[] {1, 0}, new float[] {0, 1}), 0);
        assertThat(space.directions(), equalTo(0));
        assertArrayEquals(new float[] {0.5f, 0.5f}, space.mean(), 1e-6f);
        float[] prepared = space.prepare(new float[] {2, 0});
        assertArrayEquals(new float[] {(float) Math.sqrt(0.5), (float) -Math.sqrt(0.5)}, prepared, 1e-6f);
    }

    public void testLimitsAndNothingLeft() {
        assertThat(ContentSpace.of(List.of(), 4), nullValue());
        assertThat(ContentSpace.of(List.of(new float[] {0, 0}), 4), nullValue());
        // at most one fewer direction than the sample's vectors: two vectors span one centred direction
        ContentSpace two = ContentSpace.of(List.of(new float[] {1, 0, 0}, new float[] {0, 1, 0}), 16);
        assertThat(two.directions(), equalTo(1));
        // a vector of another length is ignored in the sample and gives nothing when prepared
        ContentSpace mixed = ContentSpace.of(List.of(new float[] {1, 0}, new float[] {0, 1}, new float[] {1, 1, 1}), 0);
        assertArrayEquals(new float[] {0.5f, 0.5f}, mixed.mean(), 1e-6f);
        assertThat(mixed.prepare(new float[] {1, 2, 3}), nullValue());
        // the catalogue's mean itself: nothing left
        ContentSpace same = ContentSpace.of(List.of(new float[] {1, 1}, new float[] {2, 2}), 0);
        assertThat(same.prepare(new float[] {3, 3}), nullValue());
        expectThrows(IllegalArgumentException.class, () -> ContentSpace.of(List.of(new float[] {1}), -1));
    }

    /**
     * Neighbours are ranked by their cosine in the space, not by the stored vectors: an item that shares the common
     * direction with the query but differs in what is particular loses to one that shares the particular.
     */
    public void testNearestRanksByCosineInTheSpace() {
        List<float[]> sample = new ArrayList<>(); // symmetric around the common direction x: the mean is along x
        for (int d = 1; d < 4; d++) {
            for (float sign : new float[] {1, -1}) {
                float[] v = {5f, 0f, 0f, 0f};
                v[d] = sign;
                sample.add(v);
            }
        }
        ContentSpace space = ContentSpace.of(sample, 0);
        float[] query = space.prepare(new float[] {5f, 1f, 0f, 0f});
        Map<String, float[]> hits = new LinkedHashMap<>();
        hits.put("generic", new float[] {5f, 0f, 0.2f, 0f}); // stored cosine with the query .98, but nothing particular
        hits.put("particular", new float[] {1f, 1f, 0f, 0f}); // stored cosine .83, the same particular direction
        hits.put("opposite", new float[] {5f, -1f, 0f, 0f});
        Map<String, Double> nearest = space.nearest(query, hits, 5);
        assertThat(nearest.keySet().iterator().next(), equalTo("particular"));
        assertFalse("negative cosines are left out", nearest.containsKey("opposite"));
        assertThat(space.nearest(query, hits, 1).keySet(), contains("particular"));
    }

    private static double[] unit(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        double[] out = new double[v.length];
        for (int d = 0; d < v.length; d++) {
            out[d] = v[d] / Math.sqrt(norm);
        }
        return out;
    }
}
