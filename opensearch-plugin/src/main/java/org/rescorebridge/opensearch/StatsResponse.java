package org.rescorebridge.opensearch;

import org.opensearch.core.xcontent.XContentBuilder;

import java.io.IOException;
import java.net.URI;

/**
 * The body of {@code GET /_plugins/rescore_bridge/stats}: the settings in force and the counters of the
 * node that answers (node-local; on a multi-node cluster ask each node). The REST handler that serves
 * it is per release ({@code RestRescoreBridgeStatsAction}); the body is the same on every release.
 */
public final class StatsResponse {

    public static final String PATH = "/_plugins/rescore_bridge/stats";
    public static final String HANDLER_NAME = "rescore_bridge_stats";

    private StatsResponse() {}

    public static XContentBuilder write(XContentBuilder builder, String nodeId, RescoreBridgeRuntime runtime) throws IOException {
        BridgeSettings.Snapshot settings = runtime.settings().current();
        builder.startObject();
        builder.field("node", nodeId);
        builder.startObject("settings");
        builder.startArray(BridgeSettings.ENDPOINTS.getKey());
        for (URI endpoint : settings.endpoints) {
            builder.value(endpoint.toString());
        }
        builder.endArray();
        builder.field(BridgeSettings.TIMEOUT_MS.getKey(), settings.timeoutMs);
        builder.endObject();
        runtime.stats().toXContent(builder);
        builder.endObject();
        return builder;
    }
}
