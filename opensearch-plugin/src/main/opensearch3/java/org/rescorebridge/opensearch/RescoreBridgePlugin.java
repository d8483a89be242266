package org.rescorebridge.opensearch;

import org.opensearch.cluster.metadata.IndexNameExpressionResolver;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.common.io.stream.NamedWriteableRegistry;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.env.Environment;
import org.opensearch.env.NodeEnvironment;
import org.opensearch.repositories.RepositoriesService;
import org.opensearch.script.ScriptService;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.watcher.ResourceWatcherService;
import org.opensearch.transport.client.Client;

import java.util.Collection;
import java.util.function.Supplier;

/**
 * The plugin's entry point for OpenSearch 3.x: only the {@code createComponents} signature, whose
 * client type is release-specific; everything else is in {@link RescoreBridgePluginBase}.
 */
public final class RescoreBridgePlugin extends RescoreBridgePluginBase {

    public RescoreBridgePlugin(Settings nodeSettings) {
        super(nodeSettings);
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
        return bindToNode(clusterService, threadPool);
    }
}
