package org.rescorebridge.opensearch;

import org.opensearch.secure_sm.AccessController;

import java.io.IOException;

/**
 * Runs a {@link SocketAction} on OpenSearch 3.2 and later, which replaced the Java security manager with a Java
 * agent that still checks socket permissions against {@code plugin-security.policy}. The agent walks the
 * stack up to OpenSearch's own {@code AccessController.doPrivileged*} frame (the JDK's is deprecated for
 * removal), so only this plugin's code needs the grant.
 */
final class Privileged {

    private Privileged() {}

    static <T> T run(SocketAction<T> action) throws IOException, BridgeException {
        try {
            return AccessController.doPrivilegedChecked(action::run);
        } catch (IOException | BridgeException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e); // unreachable: SocketAction throws nothing else that is checked
        }
    }
}
