package org.rescorebridge.opensearch;

import org.junit.jupiter.api.Test;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.XContentType;
import org.opensearch.core.common.bytes.BytesArray;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BridgeProtocolTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void requestCarriesQueryDocumentsModelAndDeadline() throws Exception {
        byte[] body = BridgeProtocol.requestBody("q \"x\"", List.of("d1", "d\u00e9 2"), "default", 400);
        Map<String, Object> json = XContentHelper.convertToMap(new BytesArray(body), false, XContentType.JSON).v2();
        assertEquals("q \"x\"", json.get("query"));
        assertEquals(List.of("d1", "d\u00e9 2"), json.get("documents"));
        assertEquals("default", json.get("model"));
        assertEquals(400, json.get("deadline_ms"));
        assertEquals(4, json.size());
    }

    @Test
    void parsesScoresWithNullsInInputOrderAndIgnoresOtherFields() throws Exception {
        Float[] scores = BridgeProtocol.parseScores(
            utf8("{\"model\":\"m\",\"scores\":[1.5,null,-2],\"took_ms\":3.2,\"extra\":{\"a\":[1]},\"scored\":2}"),
            3
        );
        assertArrayEquals(new Float[] { 1.5f, null, -2f }, scores);
    }

    @Test
    void rejectsWrongCountsMissingScoresAndGarbage() {
        assertBad("{\"scores\":[1.0]}", 2, "1 scores for 2 documents");
        assertBad("{\"took_ms\":1}", 1, "no [scores]");
        assertBad("{\"scores\":[\"1\"]}", 1, "number or null");
        assertBad("{\"scores\":1}", 1, "not an array");
        assertBad("[1,2]", 2, "not a JSON object");
        assertBad("<html>oops", 1, "unreadable");
    }

    private static void assertBad(String body, int expected, String fragment) {
        BridgeException e = assertThrows(BridgeException.class, () -> BridgeProtocol.parseScores(utf8(body), expected));
        assertEquals(BridgeException.Reason.BAD_RESPONSE, e.reason());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
