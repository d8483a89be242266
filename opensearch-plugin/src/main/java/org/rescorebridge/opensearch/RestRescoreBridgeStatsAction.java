package org.rescorebridge.opensearch;

import org.opensearch.client.node.NodeClient;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.rest.BaseRestHandler;
import org.opensearch.rest.BytesRestResponse;
import org.opensearch.rest.RestRequest;

import java.net.URI;
import java.util.List;

/**
 * {@code GET /_plugins/rescore_bridge/stats}: the settings in force and the counters of the node that
 * answers (node-local; on a multi-node cluster ask each node).
 */
public final class RestRescoreBridgeStatsAction extends BaseRestHandler {

    public static final String PATH = "/_plugins/rescore_bridge/stats";

    private final RescoreBridgeRuntime runtime;

    public RestRescoreBridgeStatsAction(RescoreBridgeRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public String getName() {
        return "rescore_bridge_stats";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(RestRequest.Method.GET, PATH));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        return channel -> {
            BridgeSettings.Snapshot settings = runtime.settings().current();
            XContentBuilder builder = channel.newBuilder();
            builder.startObject();
            builder.field("node", client.getLocalNodeId());
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
            channel.sendResponse(new BytesRestResponse(RestStatus.OK, builder));
        };
    }
}
