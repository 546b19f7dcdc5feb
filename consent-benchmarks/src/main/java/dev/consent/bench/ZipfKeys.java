package dev.consent.bench;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A fixed sequence of key indexes drawn from a Zipf distribution over {@code n} keys (exponent {@code s}, 0.99 as in
 * YCSB), with ranks shuffled over the key space so that hot keys are not neighbours. Benchmarks index a
 * precomputed array with it, so drawing keys costs nothing in the measurement.
 */
public final class ZipfKeys {
    private ZipfKeys() {
    }

    public static int[] draw(int n, double s, int count, long seed) {
        double[] cdf = new double[n];
        double sum = 0;
        for (int rank = 1; rank <= n; rank++) {
            sum += 1.0 / Math.pow(rank, s);
            cdf[rank - 1] = sum;
        }
        int[] rankToKey = new int[n];
        for (int i = 0; i < n; i++) {
            rankToKey[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = rankToKey[i];
            rankToKey[i] = rankToKey[j];
            rankToKey[j] = t;
        }
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            double u = random.nextDouble() * sum;
            int rank = Arrays.binarySearch(cdf, u);
            out[i] = rankToKey[rank >= 0 ? rank : Math.min(-rank - 1, n - 1)];
        }
        return out;
    }
}
