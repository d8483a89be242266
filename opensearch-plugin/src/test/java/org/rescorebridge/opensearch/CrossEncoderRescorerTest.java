package org.rescorebridge.opensearch;

import org.apache.lucene.document.Document;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TotalHits;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.util.BytesRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opensearch.OpenSearchStatusException;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.rest.RestStatus;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rescorer against a real Lucene index holding {@code _source}, with a scripted score backend in
 * place of the HTTP bridge (the HTTP side has its own tests; the real bridge is in the Python
 * integration tests).
 */
class CrossEncoderRescorerTest {

    /** Scores a document by the number after "ce=" in its text; "ce=null" leaves it unscored. */
    private static final class ScriptedBackend implements ScoreBackend {
        final List<List<String>> calls = new ArrayList<>();
        BridgeException failure;

        @Override
        public Float[] score(String query, List<String> documents, String model, int timeoutMs) throws BridgeException {
            calls.add(documents);
            if (failure != null) {
                throw failure;
            }
            Float[] out = new Float[documents.size()];
            for (int i = 0; i < out.length; i++) {
                String v = documents.get(i).replaceAll("(?s).*ce=(\\S+).*", "$1");
                out[i] = v.equals("null") ? null : Float.parseFloat(v);
            }
            return out;
        }
    }

    private ByteBuffersDirectory dir;
    private DirectoryReader reader;
    private IndexSearcher searcher;
    private ScriptedBackend backend;
    private RescoreStats stats;
    private RescoreBridgeRuntime runtime;

    // doc i has first-stage score 10 - i and the cross-encoder score below
    private static final String[] CE = { "1", "5", "null", "3", "9", "7" };

    @BeforeEach
    void index() throws Exception {
        dir = new ByteBuffersDirectory();
        try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig())) {
            for (int i = 0; i < CE.length; i++) {
                Document d = new Document();
                String json = "{\"title\":\"doc" + i + "\",\"text\":\"body ce=" + CE[i] + "\"}";
                d.add(new StoredField("_source", new BytesRef(json.getBytes(StandardCharsets.UTF_8))));
                w.addDocument(d);
            }
            Document noText = new Document();
            noText.add(new StoredField("_source", new BytesRef("{\"other\":1}".getBytes(StandardCharsets.UTF_8))));
            w.addDocument(noText);
        }
        reader = DirectoryReader.open(dir);
        searcher = new IndexSearcher(reader);
        backend = new ScriptedBackend();
        stats = new RescoreStats();
        runtime = new RescoreBridgeRuntime(new BridgeSettings(Settings.EMPTY), backend, stats);
    }

    @AfterEach
    void close() throws Exception {
        reader.close();
        dir.close();
    }

    private static TopDocs firstStage(int n) {
        ScoreDoc[] docs = new ScoreDoc[n];
        for (int i = 0; i < n; i++) {
            docs[i] = new ScoreDoc(i, 10f - i);
        }
        return new TopDocs(new TotalHits(n, TotalHits.Relation.EQUAL_TO), docs);
    }

    private CrossEncoderRescoreContext context(int window, ScoreMode mode, float qw, float rqw, FailurePolicy onFailure)
        throws java.io.IOException {
        return (CrossEncoderRescoreContext) new CrossEncoderRescorerBuilder("q", runtime).scoreMode(mode)
            .queryWeight(qw)
            .rescoreQueryWeight(rqw)
            .onFailure(onFailure)
            .timeoutMs(500)
            .windowSize(window)
            .buildContext(null);
    }

    private static int[] docs(TopDocs t) {
        return java.util.Arrays.stream(t.scoreDocs).mapToInt(d -> d.doc).toArray();
    }

    @Test
    void replaceOrdersTheWindowByTheBridgeWithOneBatchedCall() throws Exception {
        CrossEncoderRescoreContext ctx = context(5, ScoreMode.REPLACE, 1f, 1f, FailurePolicy.KEEP_FIRST_STAGE);
        TopDocs out = runtime.rescorer().rescore(firstStage(6), searcher, ctx);
        // window = docs 0..4; doc 2 unscored (null) -> below rescored; doc 5 outside window -> below too
        assertArrayEquals(new int[] { 4, 1, 3, 0, 2, 5 }, docs(out));
        assertEquals(9f, out.scoreDocs[0].score);
        assertEquals(8f - WindowCombiner.UNSCORED_OFFSET, out.scoreDocs[4].score);
        assertEquals(1, backend.calls.size());
        assertEquals(List.of("doc0\nbody ce=1", "doc1\nbody ce=5", "doc2\nbody ce=null", "doc3\nbody ce=3", "doc4\nbody ce=9"), backend.calls.get(0));
        assertTrue(ctx.isRescored(4) && !ctx.isRescored(2) && !ctx.isRescored(5));
        for (int i = 1; i < out.scoreDocs.length; i++) {
            assertTrue(out.scoreDocs[i].score <= out.scoreDocs[i - 1].score, "scores must not increase");
        }
    }

    @Test
    void explainShowsTheCrossEncoderScoreAndTheCombination() throws Exception {
        CrossEncoderRescoreContext ctx = context(5, ScoreMode.TOTAL, 0.5f, 2f, FailurePolicy.KEEP_FIRST_STAGE);
        TopDocs out = runtime.rescorer().rescore(firstStage(6), searcher, ctx);
        Explanation e = runtime.rescorer().explain(1, searcher, ctx, Explanation.match(9f, "bm25"));
        assertEquals(9f * 0.5f + 5f * 2f, e.getValue().floatValue());
        assertTrue(e.getDescription().contains("score_mode [total]"), e.toString());
        assertTrue(e.toString().contains("cross-encoder score from the bridge"), e.toString());
        float hitScore = java.util.Arrays.stream(out.scoreDocs).filter(d -> d.doc == 1).findFirst().get().score;
        assertEquals(hitScore, e.getValue().floatValue());
        Explanation outside = runtime.rescorer().explain(5, searcher, ctx, Explanation.match(5f, "bm25"));
        assertEquals(5f - WindowCombiner.UNSCORED_OFFSET, outside.getValue().floatValue());
        assertTrue(outside.getDescription().contains("not scored by cross_encoder"), outside.toString());
    }

    @Test
    void explainInAFreshFetchContextAsksTheBridgeAgain() throws Exception {
        CrossEncoderRescoreContext ctx = context(5, ScoreMode.REPLACE, 1f, 1f, FailurePolicy.KEEP_FIRST_STAGE);
        ctx.setRescoredDocs(java.util.Set.of(3)); // what the fetch phase gets from the query phase
        Explanation e = runtime.rescorer().explain(3, searcher, ctx, Explanation.match(7f, "bm25"));
        assertEquals(3f, e.getValue().floatValue());
        assertTrue(e.toString().contains("recomputed for explain"), e.toString());
        assertEquals(List.of(List.of("doc3\nbody ce=3")), backend.calls);
    }

    @Test
    void documentsWithoutTextAreNotSentAndStayBelow() throws Exception {
        CrossEncoderRescoreContext ctx = context(10, ScoreMode.REPLACE, 1f, 1f, FailurePolicy.KEEP_FIRST_STAGE);
        TopDocs in = new TopDocs(
            new TotalHits(2, TotalHits.Relation.EQUAL_TO),
            new ScoreDoc[] { new ScoreDoc(6, 20f), new ScoreDoc(0, 10f) }
        );
        TopDocs out = runtime.rescorer().rescore(in, searcher, ctx);
        assertArrayEquals(new int[] { 0, 6 }, docs(out));
        assertEquals(List.of(List.of("doc0\nbody ce=1")), backend.calls);
    }

    @Test
    void bridgeFailureKeepsFirstStageOrderAndCountsIt() throws Exception {
        backend.failure = new BridgeException(BridgeException.Reason.TIMEOUT, "bridge did not answer within 500 ms");
        CrossEncoderRescoreContext ctx = context(5, ScoreMode.REPLACE, 1f, 1f, FailurePolicy.KEEP_FIRST_STAGE);
        TopDocs in = firstStage(6);
        TopDocs out = runtime.rescorer().rescore(in, searcher, ctx);
        assertSame(in, out);
        assertArrayEquals(new int[] { 0, 1, 2, 3, 4, 5 }, docs(out));
        assertEquals(10f, out.scoreDocs[0].score);
        assertEquals(1, stats.bridgeFailures());
        Explanation e = runtime.rescorer().explain(0, searcher, ctx, Explanation.match(10f, "bm25"));
        assertEquals(10f, e.getValue().floatValue());
        assertTrue(e.getDescription().contains("first-stage score kept"), e.toString());
    }

    @Test
    void onFailureFailRaisesABadGatewayNamingTheCause() throws Exception {
        backend.failure = new BridgeException(BridgeException.Reason.CONNECT, "cannot connect to bridge http://127.0.0.1:1/v1/scores");
        CrossEncoderRescoreContext ctx = context(5, ScoreMode.REPLACE, 1f, 1f, FailurePolicy.FAIL);
        OpenSearchStatusException e = assertThrows(
            OpenSearchStatusException.class,
            () -> runtime.rescorer().rescore(firstStage(3), searcher, ctx)
        );
        assertEquals(RestStatus.BAD_GATEWAY, e.status());
        assertTrue(e.getMessage().contains("on_failure=fail") && e.getMessage().contains("cannot connect"), e.getMessage());
        assertEquals(1, stats.bridgeFailures());
    }

    @Test
    void emptyTopDocsMakeNoCall() throws Exception {
        CrossEncoderRescoreContext ctx = context(5, ScoreMode.REPLACE, 1f, 1f, FailurePolicy.FAIL);
        TopDocs empty = new TopDocs(new TotalHits(0, TotalHits.Relation.EQUAL_TO), new ScoreDoc[0]);
        assertSame(empty, runtime.rescorer().rescore(empty, searcher, ctx));
        assertTrue(backend.calls.isEmpty());
    }
}
