package org.rescorebridge.opensearch;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScoreModeTest {

    @Test
    void combinesLikeTheQueryRescorer() {
        assertEquals(5f, ScoreMode.TOTAL.combine(2f, 3f));
        assertEquals(6f, ScoreMode.MULTIPLY.combine(2f, 3f));
        assertEquals(2.5f, ScoreMode.AVG.combine(2f, 3f));
        assertEquals(3f, ScoreMode.MAX.combine(2f, 3f));
        assertEquals(2f, ScoreMode.MIN.combine(2f, 3f));
        assertEquals(3f, ScoreMode.REPLACE.combine(2f, 3f));
    }

    @Test
    void parsesRequestNamesAndRejectsOthers() {
        for (ScoreMode mode : ScoreMode.values()) {
            assertEquals(mode, ScoreMode.fromString(mode.jsonName()));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ScoreMode.fromString("sum"));
        assertTrue(e.getMessage().contains("unknown score_mode [sum]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ScoreMode.fromString("TOTAL"));
    }

    @Test
    void parsesFailurePolicy() {
        assertEquals(FailurePolicy.FAIL, FailurePolicy.fromString("fail"));
        assertEquals(FailurePolicy.KEEP_FIRST_STAGE, FailurePolicy.fromString("keep_first_stage"));
        assertThrows(IllegalArgumentException.class, () -> FailurePolicy.fromString("ignore"));
    }
}
