package org.rescorebridge.opensearch;

import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.core.xcontent.DeprecationHandler;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON of the bridge's {@code POST /v1/scores}, written and read with OpenSearch's own XContent.
 *
 * <p>Request: {@code {"query", "documents", "model", "deadline_ms"}}. Response: {@code {"scores": [...]}}
 * with one entry per document in input order; {@code null} marks a document the bridge left unscored
 * because the deadline came first. Other response fields are ignored.
 */
public final class BridgeProtocol {

    public static final String PATH = "/v1/scores";

    private BridgeProtocol() {}

    public static byte[] requestBody(String query, List<String> documents, String model, int deadlineMs) throws IOException {
        try (XContentBuilder builder = JsonXContent.contentBuilder()) {
            builder.startObject();
            builder.field("query", query);
            builder.startArray("documents");
            for (String document : documents) {
                builder.value(document);
            }
            builder.endArray();
            if (model != null) {
                builder.field("model", model);
            }
            builder.field("deadline_ms", deadlineMs);
            builder.endObject();
            return BytesReference.toBytes(BytesReference.bytes(builder));
        }
    }

    /** The scores array, checked to hold exactly {@code expected} numbers or nulls. */
    public static Float[] parseScores(byte[] body, int expected) throws BridgeException {
        List<Float> scores = null;
        try (
            XContentParser parser = JsonXContent.jsonXContent.createParser(
                NamedXContentRegistry.EMPTY,
                DeprecationHandler.THROW_UNSUPPORTED_OPERATION,
                body
            )
        ) {
            if (parser.nextToken() != XContentParser.Token.START_OBJECT) {
                throw bad("response is not a JSON object");
            }
            XContentParser.Token token;
            while ((token = parser.nextToken()) == XContentParser.Token.FIELD_NAME) {
                String name = parser.currentName();
                token = parser.nextToken();
                if ("scores".equals(name)) {
                    if (token != XContentParser.Token.START_ARRAY) {
                        throw bad("[scores] is not an array");
                    }
                    scores = new ArrayList<>();
                    while ((token = parser.nextToken()) != XContentParser.Token.END_ARRAY) {
                        if (token == XContentParser.Token.VALUE_NULL) {
                            scores.add(null);
                        } else if (token == XContentParser.Token.VALUE_NUMBER) {
                            scores.add(parser.floatValue());
                        } else {
                            throw bad("[scores] holds a " + token + " where a number or null was expected");
                        }
                    }
                } else {
                    parser.skipChildren();
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e.getCause() instanceof BridgeException) {
                throw (BridgeException) e.getCause();
            }
            throw new BridgeException(BridgeException.Reason.BAD_RESPONSE, "unreadable bridge response: " + e.getMessage(), e);
        }
        if (scores == null) {
            throw new BridgeException(BridgeException.Reason.BAD_RESPONSE, "bridge response has no [scores]");
        }
        if (scores.size() != expected) {
            throw new BridgeException(
                BridgeException.Reason.BAD_RESPONSE,
                "bridge returned " + scores.size() + " scores for " + expected + " documents"
            );
        }
        return scores.toArray(new Float[0]);
    }

    private static RuntimeException bad(String message) {
        return new IllegalStateException(message, new BridgeException(BridgeException.Reason.BAD_RESPONSE, "bad bridge response: " + message));
    }
}
