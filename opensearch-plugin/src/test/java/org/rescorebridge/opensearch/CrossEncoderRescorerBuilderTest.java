package org.rescorebridge.opensearch;

import org.junit.jupiter.api.Test;
import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.xcontent.DeprecationHandler;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CrossEncoderRescorerBuilderTest {

    private final RescoreBridgeRuntime runtime = new RescoreBridgeRuntime(
        new BridgeSettings(Settings.EMPTY),
        (q, docs, model, timeout) -> new Float[docs.size()],
        new RescoreStats()
    );

    private CrossEncoderRescorerBuilder parse(String json) throws Exception {
        try (
            XContentParser parser = JsonXContent.jsonXContent.createParser(
                NamedXContentRegistry.EMPTY,
                DeprecationHandler.THROW_UNSUPPORTED_OPERATION,
                json
            )
        ) {
            parser.nextToken();
            return CrossEncoderRescorerBuilder.fromXContent(parser, runtime);
        }
    }

    @Test
    void appliesDocumentedDefaults() throws Exception {
        CrossEncoderRescorerBuilder b = parse("{\"query_text\":\"does aspirin work\"}");
        assertEquals("does aspirin work", b.queryText());
        assertEquals(List.of("title", "text"), b.fields());
        assertEquals("default", b.model());
        assertEquals(1.0f, b.queryWeight());
        assertEquals(1.0f, b.rescoreQueryWeight());
        assertEquals(ScoreMode.TOTAL, b.scoreMode());
        assertEquals(4000, b.maxChars());
        assertNull(b.timeoutMs());
        assertEquals(FailurePolicy.KEEP_FIRST_STAGE, b.onFailure());
    }

    @Test
    void parsesEveryParameter() throws Exception {
        CrossEncoderRescorerBuilder b = parse(
            "{\"query_text\":\"q\",\"fields\":[\"text\"],\"model\":\"m2\",\"query_weight\":0.0,"
                + "\"rescore_query_weight\":2.5,\"score_mode\":\"replace\",\"max_chars\":100,\"timeout_ms\":500,"
                + "\"on_failure\":\"fail\"}"
        );
        assertEquals(List.of("text"), b.fields());
        assertEquals("m2", b.model());
        assertEquals(0f, b.queryWeight());
        assertEquals(2.5f, b.rescoreQueryWeight());
        assertEquals(ScoreMode.REPLACE, b.scoreMode());
        assertEquals(100, b.maxChars());
        assertEquals(500, b.timeoutMs());
        assertEquals(FailurePolicy.FAIL, b.onFailure());
    }

    @Test
    void rejectsBadInputWithTheFieldName() {
        assertMessage("{}", "requires [query_text]");
        assertMessage("{\"query_text\":\"  \"}", "[query_text] must be a non-empty string");
        assertMessage("{\"query_text\":\"q\",\"score_mode\":\"sum\"}", "unknown score_mode [sum]");
        assertMessage("{\"query_text\":\"q\",\"on_failure\":\"retry\"}", "unknown on_failure [retry]");
        assertMessage("{\"query_text\":\"q\",\"max_chars\":0}", "[max_chars] must be between");
        assertMessage("{\"query_text\":\"q\",\"timeout_ms\":0}", "[timeout_ms] must be between");
        assertMessage("{\"query_text\":\"q\",\"fields\":[]}", "[fields] must be a non-empty list");
        assertMessage("{\"query_text\":\"q\",\"window\":3}", "window");
    }

    private void assertMessage(String json, String fragment) {
        Exception e = assertThrows(Exception.class, () -> parse(json));
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append(" | ");
        }
        assertTrue(all.toString().contains(fragment), all.toString());
    }

    @Test
    void survivesTheWireAndXContentRoundTrips() throws Exception {
        CrossEncoderRescorerBuilder b = new CrossEncoderRescorerBuilder("claim", runtime).fields(List.of("text", "title"))
            .model("m")
            .queryWeight(0.2f)
            .rescoreQueryWeight(3f)
            .scoreMode(ScoreMode.MAX)
            .maxChars(123)
            .timeoutMs(250)
            .onFailure(FailurePolicy.FAIL)
            .windowSize(40);

        BytesStreamOutput out = new BytesStreamOutput();
        b.writeTo(out);
        try (StreamInput in = out.bytes().streamInput()) {
            CrossEncoderRescorerBuilder read = new CrossEncoderRescorerBuilder(in, runtime);
            assertEquals(b, read);
            assertEquals(b.hashCode(), read.hashCode());
            assertEquals(40, read.windowSize());
        }

        XContentBuilder xb = JsonXContent.contentBuilder();
        b.toXContent(xb, ToXContent.EMPTY_PARAMS);
        String json = BytesReference.bytes(xb).utf8ToString();
        assertTrue(json.contains("\"window_size\":40"), json);
        String inner = json.substring(json.indexOf("\"cross_encoder\":") + "\"cross_encoder\":".length(), json.length() - 1);
        CrossEncoderRescorerBuilder reparsed = parse(inner).windowSize(40);
        assertEquals(b, reparsed);
    }
}
