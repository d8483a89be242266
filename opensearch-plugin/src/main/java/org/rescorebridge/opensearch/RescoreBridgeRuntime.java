package org.rescorebridge.opensearch;

/**
 * The node-wide pieces a rescore request needs: settings in force, the bridge client and the stats.
 * Handed to every builder through the parser/reader lambdas the plugin registers, so nothing is static.
 */
public final class RescoreBridgeRuntime {

    private final BridgeSettings settings;
    private final ScoreBackend backend;
    private final RescoreStats stats;
    private final CrossEncoderRescorer rescorer;

    public RescoreBridgeRuntime(BridgeSettings settings, ScoreBackend backend, RescoreStats stats) {
        this.settings = settings;
        this.backend = backend;
        this.stats = stats;
        this.rescorer = new CrossEncoderRescorer(backend, stats);
    }

    public BridgeSettings settings() {
        return settings;
    }

    public ScoreBackend backend() {
        return backend;
    }

    public RescoreStats stats() {
        return stats;
    }

    public CrossEncoderRescorer rescorer() {
        return rescorer;
    }
}
