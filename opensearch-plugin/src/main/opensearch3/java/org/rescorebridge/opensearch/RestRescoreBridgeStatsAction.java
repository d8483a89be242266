package org.rescorebridge.opensearch;

import org.opensearch.core.rest.RestStatus;
import org.opensearch.rest.BaseRestHandler;
import org.opensearch.rest.BytesRestResponse;
import org.opensearch.rest.RestRequest;
import org.opensearch.transport.client.node.NodeClient;

import java.util.List;

/**
 * {@code GET /_plugins/rescore_bridge/stats} on OpenSearch 3.x: the handler method names the node
 * client type, which is release-specific; the body is {@link StatsResponse}.
 */
public final class RestRescoreBridgeStatsAction extends BaseRestHandler {

    private final RescoreBridgeRuntime runtime;

    public RestRescoreBridgeStatsAction(RescoreBridgeRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public String getName() {
        return StatsResponse.HANDLER_NAME;
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(RestRequest.Method.GET, StatsResponse.PATH));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        return channel -> channel.sendResponse(
            new BytesRestResponse(RestStatus.OK, StatsResponse.write(channel.newBuilder(), client.getLocalNodeId(), runtime))
        );
    }
}
