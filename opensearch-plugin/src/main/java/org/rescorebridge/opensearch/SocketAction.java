package org.rescorebridge.opensearch;

import java.io.IOException;

/**
 * Network I/O that must run with this plugin's own permissions only ({@code plugin-security.policy}),
 * not those of every caller on the stack. {@code Privileged.run} (one per release line) runs it: through
 * the JDK's {@code AccessController} up to 3.1 (2.x: security manager) and OpenSearch's
 * {@code org.opensearch.secure_sm.AccessController} from 3.2 on (Java agent).
 */
@FunctionalInterface
public interface SocketAction<T> {
    T run() throws IOException, BridgeException;
}
