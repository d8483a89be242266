package org.rescorebridge.opensearch;

import org.opensearch.client.Client;
import org.opensearch.cluster.metadata.IndexNameExpressionResolver;
import org.opensearch.cluster.node.DiscoveryNodes;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.settings.ClusterSettings;
import org.opensearch.common.settings.IndexScopedSettings;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.settings.SettingsFilter;
import org.opensearch.core.common.io.stream.NamedWriteableRegistry;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.env.Environment;
import org.opensearch.env.NodeEnvironment;
import org.opensearch.plugins.ActionPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.plugins.SearchPlugin;
import org.opensearch.repositories.RepositoriesService;
import org.opensearch.rest.RestController;
import org.opensearch.rest.RestHandler;
import org.opensearch.script.ScriptService;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.watcher.ResourceWatcherService;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;

/**
 * Entry point: registers the {@code cross_encoder} rescorer, the {@code rescore_bridge.*} cluster
 * settings and the stats endpoint. The model never runs in the JVM; it stays behind the bridge.
 */
public class RescoreBridgePlugin extends Plugin implements SearchPlugin, ActionPlugin {

    private final BridgeSettings settings;
    private final RescoreBridgeRuntime runtime;

    public RescoreBridgePlugin(Settings nodeSettings) {
        this.settings = new BridgeSettings(nodeSettings);
        this.runtime = new RescoreBridgeRuntime(settings, new HttpBridgeClient(settings::current), new RescoreStats());
    }

    @Override
    public List<Setting<?>> getSettings() {
        return List.of(BridgeSettings.ENDPOINTS, BridgeSettings.TIMEOUT_MS);
    }

    @Override
    public Collection<Object> createComponents(
        Client client,
        ClusterService clusterService,
        ThreadPool threadPool,
        ResourceWatcherService resourceWatcherService,
        ScriptService scriptService,
        NamedXContentRegistry xContentRegistry,
        Environment environment,
        NodeEnvironment nodeEnvironment,
        NamedWriteableRegistry namedWriteableRegistry,
        IndexNameExpressionResolver indexNameExpressionResolver,
        Supplier<RepositoriesService> repositoriesServiceSupplier
    ) {
        ClusterSettings clusterSettings = clusterService.getClusterSettings();
        // Start from the cluster-level values (persistent/transient) and follow their updates.
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
        return List.of(new RestRescoreBridgeStatsAction(runtime));
    }

    RescoreBridgeRuntime runtime() {
        return runtime;
    }
}
