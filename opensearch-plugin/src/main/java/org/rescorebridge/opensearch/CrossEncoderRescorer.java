package org.rescorebridge.opensearch;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.opensearch.OpenSearchStatusException;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.search.rescore.RescoreContext;
import org.opensearch.search.rescore.Rescorer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Rescores one shard's window with one batched bridge call, then orders hits by {@link WindowCombiner}.
 */
public final class CrossEncoderRescorer implements Rescorer {

    private static final Logger LOGGER = LogManager.getLogger(CrossEncoderRescorer.class);
    private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final ScoreBackend backend;
    private final RescoreStats stats;
    private final AtomicLong lastFailureLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

    CrossEncoderRescorer(ScoreBackend backend, RescoreStats stats) {
        this.backend = backend;
        this.stats = stats;
    }

    @Override
    public TopDocs rescore(TopDocs topDocs, IndexSearcher searcher, RescoreContext rescoreContext) throws IOException {
        CrossEncoderRescoreContext ctx = (CrossEncoderRescoreContext) rescoreContext;
        ctx.setRescoredDocs(new HashSet<>());
        if (topDocs == null || topDocs.scoreDocs.length == 0) {
            return topDocs;
        }
        stats.onRescore();
        ScoreDoc[] hits = topDocs.scoreDocs;
        int window = Math.min(hits.length, ctx.getWindowSize());
        int[] windowDocs = new int[window];
        for (int i = 0; i < window; i++) {
            windowDocs[i] = hits[i].doc;
        }
        String[] texts = SourceTexts.load(searcher, windowDocs, ctx.fields, ctx.maxChars);
        List<String> documents = new ArrayList<>(window);
        List<Integer> positions = new ArrayList<>(window);
        for (int i = 0; i < window; i++) {
            if (!texts[i].isEmpty()) {
                documents.add(texts[i]);
                positions.add(i);
            }
        }
        Float[] windowScores = new Float[window];
        if (!documents.isEmpty()) {
            long start = System.nanoTime();
            Float[] scores;
            try {
                scores = backend.score(ctx.queryText, documents, ctx.model, ctx.timeoutMs);
            } catch (BridgeException e) {
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                stats.onBridgeFailure(e.reason(), documents.size(), millis, ctx.onFailure);
                return onFailure(topDocs, ctx, e, millis);
            }
            int scored = 0;
            for (int k = 0; k < scores.length; k++) {
                windowScores[positions.get(k)] = scores[k];
                if (scores[k] != null && Float.isFinite(scores[k])) {
                    scored++;
                }
            }
            stats.onBridgeSuccess(documents.size(), scored, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }
        float[] first = new float[hits.length];
        for (int i = 0; i < hits.length; i++) {
            first[i] = hits[i].score;
        }
        WindowCombiner.Result result = WindowCombiner.combine(
            first,
            window,
            windowScores,
            ctx.queryWeight,
            ctx.rescoreQueryWeight,
            ctx.scoreMode
        );
        Set<Integer> rescoredDocs = new HashSet<>();
        ScoreDoc[] reordered = new ScoreDoc[hits.length];
        for (int pos = 0; pos < hits.length; pos++) {
            int idx = result.order[pos];
            ScoreDoc hit = hits[idx];
            if (result.rescored[idx]) {
                rescoredDocs.add(hit.doc);
                ctx.recordScore(hit.doc, windowScores[idx]);
            }
            reordered[pos] = new ScoreDoc(hit.doc, result.scores[pos], hit.shardIndex);
        }
        ctx.setRescoredDocs(rescoredDocs);
        return new TopDocs(topDocs.totalHits, reordered);
    }

    private TopDocs onFailure(TopDocs topDocs, CrossEncoderRescoreContext ctx, BridgeException e, long millis) {
        if (ctx.onFailure == FailurePolicy.FAIL) {
            throw new OpenSearchStatusException(
                "[cross_encoder] rescore failed (on_failure=fail): " + e.getMessage(),
                RestStatus.BAD_GATEWAY,
                e
            );
        }
        ctx.recordFailure(e.getMessage());
        long now = System.nanoTime();
        long last = lastFailureLog.get();
        if (now - last >= LOG_EVERY_NANOS && lastFailureLog.compareAndSet(last, now)) {
            LOGGER.warn("[cross_encoder] bridge failed after {} ms, first-stage order kept: {}", millis, e.getMessage());
        }
        return topDocs;
    }

    @Override
    public Explanation explain(int topLevelDocId, IndexSearcher searcher, RescoreContext rescoreContext, Explanation sourceExplanation)
        throws IOException {
        if (sourceExplanation == null) {
            return Explanation.noMatch("nothing matched");
        }
        CrossEncoderRescoreContext ctx = (CrossEncoderRescoreContext) rescoreContext;
        float first = sourceExplanation.getValue().floatValue();
        if (ctx.failure() != null) {
            return Explanation.match(first, "cross_encoder not applied, first-stage score kept: " + ctx.failure(), sourceExplanation);
        }
        Set<Integer> rescored = ctx.getRescoredDocs();
        if (rescored == null || rescored.isEmpty()) {
            return Explanation.match(
                first,
                "cross_encoder scored no hit of this shard (bridge failure or no text in [fields]): first-stage score kept",
                sourceExplanation
            );
        }
        if (!rescored.contains(topLevelDocId)) {
            return Explanation.match(
                first - WindowCombiner.UNSCORED_OFFSET,
                "not scored by cross_encoder (outside window_size, left unscored by the bridge deadline, or no text in "
                    + ctx.fields
                    + "): first-stage score minus unscored offset",
                sourceExplanation,
                Explanation.match(WindowCombiner.UNSCORED_OFFSET, "unscored offset")
            );
        }
        Float ce = ctx.crossEncoderScore(topLevelDocId);
        String origin = "cross-encoder score from the bridge, model [" + ctx.model + "]";
        if (ce == null) {
            // The fetch phase of a multi-shard search runs in a fresh context: ask the bridge again.
            String text = SourceTexts.load(searcher, new int[] { topLevelDocId }, ctx.fields, ctx.maxChars)[0];
            try {
                ce = backend.score(ctx.queryText, List.of(text), ctx.model, ctx.timeoutMs)[0];
            } catch (BridgeException e) {
                return Explanation.match(first, "cross_encoder score unavailable for explain: " + e.getMessage(), sourceExplanation);
            }
            if (ce == null) {
                return Explanation.match(first, "cross_encoder score unavailable for explain: bridge left it unscored", sourceExplanation);
            }
            origin += ", recomputed for explain";
        }
        Explanation primary = Explanation.match(
            first * ctx.queryWeight,
            "product of:",
            sourceExplanation,
            Explanation.match(ctx.queryWeight, "query_weight")
        );
        Explanation secondary = Explanation.match(
            ce * ctx.rescoreQueryWeight,
            "product of:",
            Explanation.match(ce, origin),
            Explanation.match(ctx.rescoreQueryWeight, "rescore_query_weight")
        );
        return Explanation.match(
            ctx.scoreMode.combine(primary.getValue().floatValue(), secondary.getValue().floatValue()),
            "cross_encoder rescore, score_mode [" + ctx.scoreMode.jsonName() + "] of:",
            primary,
            secondary
        );
    }
}
