package org.rescorebridge.opensearch;

import org.opensearch.search.rescore.RescoreContext;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One shard's view of a {@code cross_encoder} rescore: the request's parameters (timeout resolved
 * against the cluster default) plus what happened, which {@code explain} reads back when the fetch
 * phase runs in the same search context (always the case for single-shard searches).
 */
public final class CrossEncoderRescoreContext extends RescoreContext {

    final String queryText;
    final List<String> fields;
    final String model;
    final float queryWeight;
    final float rescoreQueryWeight;
    final ScoreMode scoreMode;
    final int maxChars;
    final int timeoutMs;
    final FailurePolicy onFailure;

    private final Map<Integer, Float> crossEncoderScores = new HashMap<>();
    private String failure;

    CrossEncoderRescoreContext(
        int windowSize,
        CrossEncoderRescorer rescorer,
        String queryText,
        List<String> fields,
        String model,
        float queryWeight,
        float rescoreQueryWeight,
        ScoreMode scoreMode,
        int maxChars,
        int timeoutMs,
        FailurePolicy onFailure
    ) {
        super(windowSize, rescorer);
        this.queryText = queryText;
        this.fields = fields;
        this.model = model;
        this.queryWeight = queryWeight;
        this.rescoreQueryWeight = rescoreQueryWeight;
        this.scoreMode = scoreMode;
        this.maxChars = maxChars;
        this.timeoutMs = timeoutMs;
        this.onFailure = onFailure;
    }

    void recordScore(int doc, float crossEncoderScore) {
        crossEncoderScores.put(doc, crossEncoderScore);
    }

    /** The raw cross-encoder score this context saw for {@code doc}, or null. */
    Float crossEncoderScore(int doc) {
        return crossEncoderScores.get(doc);
    }

    void recordFailure(String message) {
        this.failure = message;
    }

    /** Why the bridge could not score this shard's window, or null. */
    String failure() {
        return failure;
    }

    public int timeoutMs() {
        return timeoutMs;
    }
}
