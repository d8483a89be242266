package org.rescorebridge.opensearch;

import org.junit.jupiter.api.Test;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.rest.RestHandler;
import org.opensearch.rest.RestRequest;

import java.net.URI;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The release's entry point (compiled from src/main/opensearch{2,3}) wires the same rescorer, settings
 * and stats endpoint on every release line; these tests run against whichever line Maven builds.
 */
class RescoreBridgePluginTest {

    private final RescoreBridgePlugin plugin = new RescoreBridgePlugin(
        Settings.builder().putList("rescore_bridge.endpoints", "http://127.0.0.1:8080").put("rescore_bridge.timeout_ms", 250).build()
    );

    @Test
    void registersTheSettingsAndTheRescorer() {
        assertEquals(
            List.of("rescore_bridge.endpoints", "rescore_bridge.timeout_ms"),
            plugin.getSettings().stream().map(s -> s.getKey()).collect(Collectors.toList())
        );
        assertEquals(List.of(CrossEncoderRescorerBuilder.NAME), plugin.getRescorers().stream().map(s -> s.getName().getPreferredName()).collect(Collectors.toList()));
    }

    @Test
    void servesTheStatsRouteWithTheSettingsInForce() throws Exception {
        List<RestHandler> handlers = plugin.getRestHandlers(Settings.EMPTY, null, null, null, null, null, null);
        assertEquals(1, handlers.size());
        RestHandler.Route route = handlers.get(0).routes().get(0);
        assertEquals(RestRequest.Method.GET, route.getMethod());
        assertEquals("/_plugins/rescore_bridge/stats", route.getPath());

        XContentBuilder builder = StatsResponse.write(JsonXContent.contentBuilder(), "node-1", plugin.runtime());
        String json = BytesReference.bytes(builder).utf8ToString();
        assertTrue(json.startsWith("{\"node\":\"node-1\",\"settings\":{\"rescore_bridge.endpoints\":[\"http://127.0.0.1:8080\"],\"rescore_bridge.timeout_ms\":250}"), json);
        assertTrue(json.contains("\"bridge_failures_by_reason\":{\"no_endpoint\":0,\"connect\":0"), json);
        assertEquals(List.of(URI.create("http://127.0.0.1:8080")), plugin.runtime().settings().current().endpoints);
    }
}
