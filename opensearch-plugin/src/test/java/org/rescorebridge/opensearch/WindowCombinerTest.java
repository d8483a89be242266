package org.rescorebridge.opensearch;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WindowCombinerTest {

    private static final float OFF = WindowCombiner.UNSCORED_OFFSET;

    @Test
    void replaceOrdersTheWindowByCrossEncoderAndKeepsTheRestBelow() {
        float[] first = { 10f, 9f, 8f, 7f, 6f };
        Float[] ce = { 0.1f, 0.9f, 0.5f };
        WindowCombiner.Result r = WindowCombiner.combine(first, 3, ce, 1f, 1f, ScoreMode.REPLACE);
        assertArrayEquals(new int[] { 1, 2, 0, 3, 4 }, r.order);
        assertArrayEquals(new float[] { 0.9f, 0.5f, 0.1f, 7f - OFF, 6f - OFF }, r.scores);
        assertEquals(3, r.rescoredCount);
        assertTrue(r.rescored[0] && r.rescored[1] && r.rescored[2]);
        assertFalse(r.rescored[3] || r.rescored[4]);
    }

    @Test
    void totalAppliesBothWeights() {
        float[] first = { 10f, 2f };
        Float[] ce = { 1f, 5f };
        // 10*0.5 + 1*2 = 7 ; 2*0.5 + 5*2 = 11
        WindowCombiner.Result r = WindowCombiner.combine(first, 2, ce, 0.5f, 2f, ScoreMode.TOTAL);
        assertArrayEquals(new int[] { 1, 0 }, r.order);
        assertArrayEquals(new float[] { 11f, 7f }, r.scores);
    }

    @Test
    void hitsPastTheWindowStayBelowEvenWhenTheirFirstStageScoreIsHigher() {
        // The query rescorer pitfall: a negative cross-encoder logit must not sink below unscored hits.
        float[] first = { 30f, 25f, 20f };
        Float[] ce = { -8f, -3f };
        WindowCombiner.Result r = WindowCombiner.combine(first, 2, ce, 0f, 1f, ScoreMode.TOTAL);
        assertArrayEquals(new int[] { 1, 0, 2 }, r.order);
        assertTrue(r.scores[1] > r.scores[2]);
    }

    @Test
    void queryWeightZeroDoesNotCollapseUnscoredHitsIntoTies() {
        float[] first = { 5f, 4f, 3f, 2f };
        Float[] ce = { 1f };
        WindowCombiner.Result r = WindowCombiner.combine(first, 1, ce, 0f, 1f, ScoreMode.TOTAL);
        assertArrayEquals(new int[] { 0, 1, 2, 3 }, r.order);
        assertTrue(r.scores[1] > r.scores[2] && r.scores[2] > r.scores[3]);
    }

    @Test
    void nullScoresFromTheDeadlineGoBelowRescoredHitsInFirstStageOrder() {
        float[] first = { 10f, 9f, 8f, 7f };
        Float[] ce = { null, 2f, null, 1f };
        WindowCombiner.Result r = WindowCombiner.combine(first, 4, ce, 1f, 1f, ScoreMode.REPLACE);
        assertArrayEquals(new int[] { 1, 3, 0, 2 }, r.order);
        assertArrayEquals(new float[] { 2f, 1f, 10f - OFF, 8f - OFF }, r.scores);
        assertEquals(2, r.rescoredCount);
    }

    @Test
    void nothingScoredReturnsTheFirstStageUnchanged() {
        float[] first = { 3f, 2f, 1f };
        WindowCombiner.Result r = WindowCombiner.combine(first, 2, new Float[] { null, Float.NaN }, 1f, 1f, ScoreMode.TOTAL);
        assertArrayEquals(new int[] { 0, 1, 2 }, r.order);
        assertArrayEquals(first, r.scores);
        assertEquals(0, r.rescoredCount);
    }

    @Test
    void tiesKeepFirstStageOrder() {
        float[] first = { 3f, 2f, 1f };
        WindowCombiner.Result r = WindowCombiner.combine(first, 3, new Float[] { 1f, 1f, 1f }, 0f, 1f, ScoreMode.TOTAL);
        assertArrayEquals(new int[] { 0, 1, 2 }, r.order);
    }

    @Test
    void scoresNeverIncreaseDownTheListEvenWithAbsurdFirstStageScores() {
        float[] first = { 5000f, 4000f, 3000f };
        WindowCombiner.Result r = WindowCombiner.combine(first, 1, new Float[] { 1f }, 0f, 1f, ScoreMode.TOTAL);
        assertArrayEquals(new int[] { 0, 1, 2 }, r.order);
        assertEquals(1f, r.scores[0]);
        assertTrue(r.scores[1] < r.scores[0], "unscored hit must sort strictly below the rescored one");
        assertTrue(r.scores[2] <= r.scores[1]);
    }

    @Test
    void rejectsMismatchedLengths() {
        assertThrows(IllegalArgumentException.class, () -> WindowCombiner.combine(new float[] { 1f }, 2, new Float[2], 1f, 1f, ScoreMode.TOTAL));
        assertThrows(IllegalArgumentException.class, () -> WindowCombiner.combine(new float[] { 1f }, 1, new Float[2], 1f, 1f, ScoreMode.TOTAL));
    }
}
