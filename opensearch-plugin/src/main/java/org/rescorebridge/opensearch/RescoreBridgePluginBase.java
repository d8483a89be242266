package org.rescorebridge.opensearch;

import org.opensearch.cluster.metadata.IndexNameExpressionResolver;
import org.opensearch.cluster.node.DiscoveryNodes;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.settings.ClusterSettings;
import org.opensearch.common.settings.IndexScopedSettings;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.settings.SettingsFilter;
import org.opensearch.plugins.ActionPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.plugins.SearchPlugin;
import org.opensearch.rest.RestController;
import org.opensearch.rest.RestHandler;
import org.opensearch.threadpool.ThreadPool;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;

/**
 * Everything the plugin does, for every supported OpenSearch release: registers the
 * {@code cross_encoder} rescorer, the {@code rescore_bridge.*} cluster settings and the stats endpoint.
 * The model never runs in the JVM; it stays behind the bridge.
 *
 * <p>The concrete entry point {@code RescoreBridgePlugin} (named in the plugin descriptor) lives in the
 * release line's source folder ({@code src/main/opensearch2}, {@code src/main/opensearch3}) because
 * {@code createComponents} names the node client type, which moved package in 3.0. It only forwards
 * to {@link #bindToNode}; add node-level wiring there, not in the per-release classes.
 */
public abstract class RescoreBridgePluginBase extends Plugin implements SearchPlugin, ActionPlugin {

    private final BridgeSettings settings;
    private final RescoreBridgeRuntime runtime;

    protected RescoreBridgePluginBase(Settings nodeSettings) {
        this.settings = new BridgeSettings(nodeSettings);
        this.runtime = new RescoreBridgeRuntime(settings, new HttpBridgeClient(settings::current), new RescoreStats());
    }

    @Override
    public List<Setting<?>> getSettings() {
        return List.of(BridgeSettings.ENDPOINTS, BridgeSettings.TIMEOUT_MS);
    }

    /**
     * Node start-up, called from {@code createComponents} of the release's entry point: starts from the
     * cluster-level values of the settings (persistent/transient) and follows their updates.
     *
     * @return the components to register with the node (none today)
     */
    protected final Collection<Object> bindToNode(ClusterService clusterService, ThreadPool threadPool) {
        ClusterSettings clusterSettings = clusterService.getClusterSettings();
        settings.setEndpoints(clusterSettings.get(BridgeSettings.ENDPOINTS));
        settings.setTimeoutMs(clusterSettings.get(BridgeSettings.TIMEOUT_MS));
        clusterSettings.addSettingsUpdateConsumer(BridgeSettings.ENDPOINTS, settings::setEndpoints);
        clusterSettings.addSettingsUpdateConsumer(BridgeSettings.TIMEOUT_MS, settings::setTimeoutMs);
        return Collections.emptyList();
    }

    @Override
    public List<RescorerSpec<?>> getRescorers() {
        return List.of(
            new RescorerSpec<>(
                CrossEncoderRescorerBuilder.NAME,
                in -> new CrossEncoderRescorerBuilder(in, runtime),
                parser -> CrossEncoderRescorerBuilder.fromXContent(parser, runtime)
            )
        );
    }

    @Override
    public List<RestHandler> getRestHandlers(
        Settings nodeSettings,
        RestController restController,
        ClusterSettings clusterSettings,
        IndexScopedSettings indexScopedSettings,
        SettingsFilter settingsFilter,
        IndexNameExpressionResolver indexNameExpressionResolver,
        Supplier<DiscoveryNodes> nodesInCluster
    ) {
        // RestRescoreBridgeStatsAction is per release (its handler method names the node client type).
        return List.of(new RestRescoreBridgeStatsAction(runtime));
    }

    RescoreBridgeRuntime runtime() {
        return runtime;
    }
}
