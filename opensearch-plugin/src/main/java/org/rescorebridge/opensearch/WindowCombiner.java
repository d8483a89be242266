package org.rescorebridge.opensearch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Pure ordering logic of the rescorer: turns first-stage scores plus cross-encoder scores for the
 * window into the shard's new order and scores.
 *
 * <p>The rule (documented in docs/rescore-plugin.md):
 * <ol>
 *   <li>A hit is <em>rescored</em> when it lies inside the window and the bridge returned a finite score
 *       for it. Its score becomes {@code score_mode(first * query_weight, ce * rescore_query_weight)}.
 *       Rescored hits are sorted by that score (ties keep first-stage order).</li>
 *   <li>Every other hit (past the window, or left unscored by the bridge's deadline, or with no text)
 *       comes after all rescored hits, in first-stage order, with score {@code first - UNSCORED_OFFSET}.
 *       The offset moves unscored hits into a lower band so that other shards' rescored hits also sort
 *       above them when the coordinating node merges by score; should a score still reach the band
 *       above (absurd weights), it is clamped just below the previous hit so the shard's order holds.</li>
 *   <li>If no hit at all was rescored, the input is returned unchanged (pure first-stage order).</li>
 * </ol>
 * Unlike the query rescorer, {@code query_weight} is never applied to hits that were not rescored,
 * so {@code query_weight: 0} cannot collapse them into ties.
 */
public final class WindowCombiner {

    /** Subtracted from the first-stage score of every hit that the cross-encoder did not score. */
    public static final float UNSCORED_OFFSET = 1000f;

    private WindowCombiner() {}

    /** The new order as indices into the input arrays, with the new score of each position. */
    public static final class Result {
        public final int[] order;
        public final float[] scores;
        public final boolean[] rescored;
        public final int rescoredCount;

        Result(int[] order, float[] scores, boolean[] rescored, int rescoredCount) {
            this.order = order;
            this.scores = scores;
            this.rescored = rescored;
            this.rescoredCount = rescoredCount;
        }
    }

    /** The combined score of one rescored hit. */
    public static float combined(float first, float crossEncoder, float queryWeight, float rescoreQueryWeight, ScoreMode mode) {
        return mode.combine(first * queryWeight, crossEncoder * rescoreQueryWeight);
    }

    /**
     * @param first     first-stage scores of all hits of the shard, in first-stage order
     * @param window    how many leading hits were sent to the bridge ({@code <= first.length})
     * @param ce        cross-encoder scores for the window hits ({@code ce.length == window}); null = unscored
     * @return the new order; {@code rescored[k]} tells whether input hit {@code k} was rescored
     */
    public static Result combine(float[] first, int window, Float[] ce, float queryWeight, float rescoreQueryWeight, ScoreMode mode) {
        if (window > first.length || ce.length != window) {
            throw new IllegalArgumentException("window " + window + " does not fit " + first.length + " hits / " + ce.length + " scores");
        }
        final int n = first.length;
        boolean[] rescored = new boolean[n];
        float[] combined = new float[n];
        List<Integer> rescoredIdx = new ArrayList<>();
        List<Integer> unscoredIdx = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Float s = i < window ? ce[i] : null;
            if (s != null && Float.isFinite(s)) {
                rescored[i] = true;
                combined[i] = combined(first[i], s, queryWeight, rescoreQueryWeight, mode);
                rescoredIdx.add(i);
            } else {
                unscoredIdx.add(i);
            }
        }
        int[] order = new int[n];
        float[] scores = new float[n];
        if (rescoredIdx.isEmpty()) {
            for (int i = 0; i < n; i++) {
                order[i] = i;
                scores[i] = first[i];
            }
            return new Result(order, scores, rescored, 0);
        }
        Integer[] sorted = rescoredIdx.toArray(new Integer[0]);
        // Stable sort: equal combined scores keep first-stage order.
        Arrays.sort(sorted, (a, b) -> Float.compare(combined[b], combined[a]));
        int pos = 0;
        for (int idx : sorted) {
            order[pos] = idx;
            scores[pos] = combined[idx];
            pos++;
        }
        float previous = scores[pos - 1];
        for (int idx : unscoredIdx) {
            float s = first[idx] - UNSCORED_OFFSET;
            if (!(s < previous) && pos > 0) {
                // Keep the band strict below rescored hits and never increase within the shard.
                s = pos == sorted.length ? Math.nextDown(previous) : previous;
            }
            order[pos] = idx;
            scores[pos] = s;
            previous = s;
            pos++;
        }
        return new Result(order, scores, rescored, sorted.length);
    }
}
