package org.rescorebridge.opensearch;

import org.opensearch.core.xcontent.XContentBuilder;

import java.io.IOException;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Node-local counters of the rescorer, served by {@code GET /_plugins/rescore_bridge/stats}.
 * Counted per shard-level rescore (one bridge call each), since that is the unit that can fail.
 */
public final class RescoreStats {

    private final LongAdder rescores = new LongAdder();
    private final LongAdder bridgeCalls = new LongAdder();
    private final LongAdder bridgeFailures = new LongAdder();
    private final Map<BridgeException.Reason, LongAdder> failuresByReason = new EnumMap<>(BridgeException.Reason.class);
    private final LongAdder keptFirstStage = new LongAdder();
    private final LongAdder failedSearches = new LongAdder();
    private final LongAdder docsSent = new LongAdder();
    private final LongAdder docsScored = new LongAdder();
    private final LongAdder docsUnscored = new LongAdder();
    private final LongAdder bridgeMillis = new LongAdder();

    public RescoreStats() {
        for (BridgeException.Reason reason : BridgeException.Reason.values()) {
            failuresByReason.put(reason, new LongAdder());
        }
    }

    public void onRescore() {
        rescores.increment();
    }

    public void onBridgeSuccess(int sent, int scored, long millis) {
        bridgeCalls.increment();
        docsSent.add(sent);
        docsScored.add(scored);
        docsUnscored.add(sent - scored);
        bridgeMillis.add(millis);
    }

    public void onBridgeFailure(BridgeException.Reason reason, int sent, long millis, FailurePolicy policy) {
        bridgeCalls.increment();
        bridgeFailures.increment();
        failuresByReason.get(reason).increment();
        docsSent.add(sent);
        bridgeMillis.add(millis);
        if (policy == FailurePolicy.FAIL) {
            failedSearches.increment();
        } else {
            keptFirstStage.increment();
        }
    }

    public long bridgeFailures() {
        return bridgeFailures.sum();
    }

    public XContentBuilder toXContent(XContentBuilder builder) throws IOException {
        builder.startObject("rescore");
        builder.field("shard_rescores", rescores.sum());
        builder.field("bridge_calls", bridgeCalls.sum());
        builder.field("bridge_failures", bridgeFailures.sum());
        builder.startObject("bridge_failures_by_reason");
        for (Map.Entry<BridgeException.Reason, LongAdder> e : failuresByReason.entrySet()) {
            builder.field(e.getKey().jsonName(), e.getValue().sum());
        }
        builder.endObject();
        builder.field("kept_first_stage", keptFirstStage.sum());
        builder.field("failed_searches", failedSearches.sum());
        builder.field("docs_sent", docsSent.sum());
        builder.field("docs_scored", docsScored.sum());
        builder.field("docs_unscored", docsUnscored.sum());
        builder.field("bridge_time_ms_total", bridgeMillis.sum());
        builder.endObject();
        return builder;
    }
}
