package org.rescorebridge.opensearch;

import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Setting.Property;
import org.opensearch.common.settings.Settings;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Dynamic cluster settings of the plugin, so that search requests never carry bridge URLs.
 *
 * <ul>
 *   <li>{@code rescore_bridge.endpoints}: list of bridge base URLs ({@code http://host:port}); requests go
 *       round-robin, and move to the next one when a connection is refused and time is left.</li>
 *   <li>{@code rescore_bridge.timeout_ms}: default hard deadline of one bridge call, used when the request
 *       has no {@code timeout_ms}.</li>
 * </ul>
 */
public final class BridgeSettings {

    public static final int DEFAULT_TIMEOUT_MS = 1000;
    public static final int MAX_TIMEOUT_MS = 60_000;

    public static final Setting<List<URI>> ENDPOINTS = Setting.listSetting(
        "rescore_bridge.endpoints",
        Collections.emptyList(),
        BridgeSettings::parseEndpoint,
        Property.Dynamic,
        Property.NodeScope
    );

    public static final Setting<Integer> TIMEOUT_MS = Setting.intSetting(
        "rescore_bridge.timeout_ms",
        DEFAULT_TIMEOUT_MS,
        1,
        MAX_TIMEOUT_MS,
        Property.Dynamic,
        Property.NodeScope
    );

    /** The values in force; replaced whole on every settings update. */
    public static final class Snapshot {
        public final List<URI> endpoints;
        public final int timeoutMs;

        public Snapshot(List<URI> endpoints, int timeoutMs) {
            this.endpoints = List.copyOf(endpoints);
            this.timeoutMs = timeoutMs;
        }
    }

    private volatile Snapshot current;

    public BridgeSettings(Settings nodeSettings) {
        this.current = new Snapshot(ENDPOINTS.get(nodeSettings), TIMEOUT_MS.get(nodeSettings));
    }

    public Snapshot current() {
        return current;
    }

    public void setEndpoints(List<URI> endpoints) {
        current = new Snapshot(endpoints, current.timeoutMs);
    }

    public void setTimeoutMs(int timeoutMs) {
        current = new Snapshot(current.endpoints, timeoutMs);
    }

    /** Accepts {@code http(s)://host[:port][/prefix]}; anything else is refused with the reason. */
    public static URI parseEndpoint(String value) {
        URI uri;
        try {
            uri = new URI(value.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("[rescore_bridge.endpoints] [" + value + "] is not a URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if ((!scheme.equals("http") && !scheme.equals("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException(
                "[rescore_bridge.endpoints] [" + value + "] must be an http(s) URL with a host, e.g. http://127.0.0.1:8080"
            );
        }
        if (uri.getQuery() != null || uri.getFragment() != null) {
            throw new IllegalArgumentException("[rescore_bridge.endpoints] [" + value + "] must not carry a query or fragment");
        }
        return uri;
    }

    /** {@code base} + {@code /v1/scores}, keeping a path prefix when the bridge sits behind one. */
    public static URI scoresUri(URI base) {
        String path = base.getPath() == null ? "" : base.getPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return base.resolve(path + BridgeProtocol.PATH);
    }
}
