package io.personalize.training;

/**
 * User-based collaborative filtering: a user's nearest users by the cosine of their histories, and the items those
 * users have, weighted by the similarity:
 *
 * <pre>
 *   x[u,i]    = weight[u,i]^valueExponent (0: binary)
 *   sim(u, v) = sum over i of x[u,i] * x[v,i] / (|x_u| * |x_v| + shrink)
 *   cf(u, j)  = sum over the k most similar users v of sim(u, v) * x[v,j]
 * </pre>
 *
 * Memory stays bounded: the nearest users are found through the items (the users of each of u's items, from the
 * matrix's column-wise copy), with one accumulator of the users' size per ranker; no user x user matrix is ever built.
 * A user costs the sum of the user counts of their items, plus the neighbours' histories.
 */
final class UserKnnRanker extends CandidateRanker {

    private final InteractionMatrix m;
    private final int k;
    private final double shrink;
    private final float[] rowValues;
    private final float[] colValues;
    private final double[] norms;
    private final double[] acc;
    private final int[] touched;

    UserKnnRanker(
            InteractionMatrix m,
            UserKnnParams params,
            ItemNeighbors neighbors,
            float[] popularity,
            ScoringParams scoring,
            Shared shared) {
        super(m.numItems(), neighbors, popularity, scoring);
        this.m = m;
        this.k = params.neighbors();
        this.shrink = params.shrink();
        this.rowValues = shared.rowValues;
        this.colValues = shared.colValues;
        this.norms = shared.norms;
        this.acc = new double[m.numUsers()];
        this.touched = new int[m.numUsers()];
    }

    /** Parameters: neighbours per user, shrink, value exponent. */
    record UserKnnParams(int neighbors, double shrink, double valueExponent) {
        UserKnnParams {
            if (neighbors < 1 || !(shrink >= 0) || !(valueExponent >= 0)) {
                throw new IllegalArgumentException("invalid user_knn parameters");
            }
        }
    }

    /** What every ranker of one model reads: the values and the users' norms, computed once. */
    static final class Shared {
        final float[] rowValues;
        final float[] colValues;
        final double[] norms;

        Shared(InteractionMatrix m, double valueExponent) {
            rowValues = values(m.userWeights(), valueExponent);
            colValues = values(m.itemWeights(), valueExponent);
            norms = new double[m.numUsers()];
            for (int u = 0; u < m.numUsers(); u++) {
                double s = 0;
                for (int p = m.userOffsets()[u]; p < m.userOffsets()[u + 1]; p++) {
                    s += (double) rowValues[p] * rowValues[p];
                }
                norms[u] = Math.sqrt(s);
            }
        }

        private static float[] values(float[] w, double e) {
            float[] x = new float[w.length];
            for (int p = 0; p < x.length; p++) {
                x[p] = e == 0 ? (w[p] > 0 ? 1f : 0f) : e == 1 ? w[p] : (float) Math.pow(w[p], e);
            }
            return x;
        }
    }

    @Override
    void collaborative(int user, int[] history, float[] historyWeights) {
        if (user < 0 || user >= m.numUsers()) {
            return;
        }
        int[] uo = m.userOffsets();
        int[] ui = m.userItems();
        int[] io = m.itemOffsets();
        int[] iu = m.itemUsers();
        int nt = 0;
        for (int p = uo[user]; p < uo[user + 1]; p++) {
            double xu = rowValues[p];
            if (xu == 0) {
                continue;
            }
            int i = ui[p];
            for (int q = io[i]; q < io[i + 1]; q++) {
                int v = iu[q];
                double c = xu * colValues[q];
                if (v != user && c > 0) {
                    if (acc[v] == 0) {
                        touched[nt++] = v;
                    }
                    acc[v] += c;
                }
            }
        }
        TopK nearest = new TopK(k);
        for (int t = 0; t < nt; t++) {
            int v = touched[t];
            double den = norms[user] * norms[v] + shrink;
            if (den > 0) {
                float sim = (float) (acc[v] / den);
                if (sim > 0f && sim >= nearest.threshold()) {
                    nearest.offer(v, sim);
                }
            }
            acc[v] = 0;
        }
        int size = nearest.size();
        int[] users = new int[size];
        float[] sims = new float[size];
        nearest.drainSorted(users, sims, 0);
        for (int r = 0; r < size; r++) {
            int v = users[r];
            for (int p = uo[v]; p < uo[v + 1]; p++) {
                add(ui[p], sims[r] * rowValues[p]);
            }
        }
    }
}
